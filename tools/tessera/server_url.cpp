#include "server_url.hpp"

#include <cctype>
#include <charconv>

namespace tessera::cli {

std::string server_url::origin() const {
  return scheme + "://" + host + ":" + std::to_string(port);
}

namespace {

bool valid_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

}  // namespace

std::optional<server_url> parse_server_url(std::string_view text, std::string& err) {
  server_url url;
  auto sep = text.find("://");
  if (sep == std::string_view::npos) {
    err = "must look like http://host[:port] or https://host[:port]";
    return std::nullopt;
  }
  url.scheme = std::string(text.substr(0, sep));
  if (url.scheme != "http" && url.scheme != "https") {
    err = "scheme must be http or https, not '" + url.scheme + "'";
    return std::nullopt;
  }
  auto rest = text.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find_first_of("/?#@") != std::string_view::npos) {
    err = "must be only scheme://host[:port], without a path, query or user";
    return std::nullopt;
  }
  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {  // [IPv6]
    auto close = rest.find(']');
    if (close == std::string_view::npos || close == 1) {
      err = "unterminated or empty IPv6 address";
      return std::nullopt;
    }
    url.host = std::string(rest.substr(0, close + 1));
    rest.remove_prefix(close + 1);
    if (!rest.empty() && rest.front() != ':') {
      err = "unexpected text after the IPv6 address";
      return std::nullopt;
    }
    if (!rest.empty()) port_text = rest.substr(1);
  } else {
    auto colon = rest.find(':');
    url.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port_text = rest.substr(colon + 1);
    for (char c : url.host) {
      if (!valid_host_char(c)) {
        err = "invalid character in host '" + url.host + "'";
        return std::nullopt;
      }
    }
  }
  if (url.host.empty()) {
    err = "missing host";
    return std::nullopt;
  }
  url.port = url.scheme == "https" ? 443 : 80;
  if (port_text.data() != nullptr) {
    int port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
        port < 1 || port > 65535) {
      err = "port must be a number from 1 to 65535";
      return std::nullopt;
    }
    url.port = port;
  }
  return url;
}

}  // namespace tessera::cli
