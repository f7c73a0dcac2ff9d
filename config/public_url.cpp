#include "config/public_url.hpp"

#include "config/values.hpp"

namespace tessera::config {

namespace {

// The host to name for a listener address: its host ("[v6]" bracketed), or "localhost"
// when it listens on every interface.
std::string listener_host(const std::string& addr) {
  std::string host;
  int port = 0;
  if (!split_listen_addr(addr, host, port) || host.empty() || host == "0.0.0.0" || host == "::")
    return "localhost";
  return host.find(':') == std::string::npos ? host : "[" + host + "]";
}

// "host[:port]" or "[v6][:port]" without its port.
std::string without_port(const std::string& authority) {
  auto end = authority.starts_with('[') ? authority.find(']') + 1 : authority.find(':');
  return authority.substr(0, end);
}

}  // namespace

std::string public_origin(const settings& s) {
  if (!s.server.public_url.empty())
    return s.server.public_url;
  std::string host;
  int port = 8080;
  split_listen_addr(s.server.http_addr, host, port);
  return "http://" + listener_host(s.server.http_addr) + ":" + std::to_string(port);
}

std::string signaling_url(const settings& s) {
  if (!s.signaling.public_url.empty())
    return s.signaling.public_url;
  auto origin = public_origin(s);
  bool tls = origin.starts_with("https://");
  auto authority = origin.substr(tls ? 8 : 7);
  std::string bind_host;
  int port = 0;
  if (!s.signaling.ws_addr.empty() && split_listen_addr(s.signaling.ws_addr, bind_host, port)) {
    auto host = s.server.public_url.empty() ? listener_host(s.signaling.ws_addr) : without_port(authority);
    authority = host + ":" + std::to_string(port);
  }
  return (tls ? "wss://" : "ws://") + authority + signaling_path;
}

}  // namespace tessera::config
