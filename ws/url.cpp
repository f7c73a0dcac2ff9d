#include "ws/url.hpp"

#include <algorithm>

#include "config/values.hpp"

namespace tessera::ws {

std::string host_of(std::string_view h) {
  if (h.empty() || h.size() > 255)
    return "";
  if (h.front() == '[') {
    auto end = h.find(']');
    if (end == std::string_view::npos || end == 1)
      return "";
    auto rest = h.substr(end + 1);
    if (!rest.empty() && (rest.front() != ':' ||
                          !std::all_of(rest.begin() + 1, rest.end(), [](char c) { return c >= '0' && c <= '9'; })))
      return "";
    auto inner = h.substr(1, end - 1);
    bool ok = std::all_of(inner.begin(), inner.end(), [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
             c == '.';
    });
    return ok ? std::string(h.substr(0, end + 1)) : "";
  }
  auto colon = h.find(':');
  auto host = h.substr(0, colon);
  if (colon != std::string_view::npos) {
    auto port = h.substr(colon + 1);
    if (port.empty() || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return "";
  }
  if (host.empty() || host.front() == '-' || host.front() == '.')
    return "";
  bool ok = std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
  });
  return ok ? std::string(host) : "";
}

std::string public_url(const config::signaling_settings& s, std::string_view host_header) {
  if (!s.public_url.empty())
    return s.public_url;
  auto host = host_of(host_header);
  if (s.ws_addr.empty()) {
    // On the HTTP port: the authority the client used, port and all.
    return "ws://" + (host.empty() ? std::string("127.0.0.1") : std::string(host_header)) +
           signaling_path;
  }
  if (host.empty())
    host = "127.0.0.1";
  std::string bind_host;
  int port = 0;
  if (!config::split_listen_addr(s.ws_addr, bind_host, port))
    port = 8081;
  return "ws://" + host + ":" + std::to_string(port) + signaling_path;
}

}  // namespace tessera::ws
