#pragma once
// --server values: http(s)://host[:port] with an optional trailing "/".
#include <optional>
#include <string>
#include <string_view>

namespace tessera::cli {

struct server_url {
  std::string scheme;  // "http" or "https"
  std::string host;    // a name, an IPv4 address, or an IPv6 address in brackets
  int port = 0;
  /// "scheme://host:port", as httplib::Client takes it.
  std::string origin() const;
};

/// On failure returns nullopt and says why in `err`.
std::optional<server_url> parse_server_url(std::string_view text, std::string& err);

}  // namespace tessera::cli
