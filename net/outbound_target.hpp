#pragma once
// Where an outbound request may go, checked the same way for every client in
// net/ (fetch, the bridge's calls): the URL parsed strictly, every address the
// host resolves to classified (protocol/address_class.hpp), one blocked
// address refusing the whole request unless security.allow_cidrs lists it.
#include <sys/socket.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/ip_address.hpp"

namespace tessera::net::outbound {

enum class error_code {
  none,
  scheme_not_allowed,  // not http or https
  bad_url,             // malformed, credentials, Unicode host, bad port
  resolve_failed,      // the host name has no address
  address_blocked,     // an address of the host is loopback, private, ...
  connect_failed,      // TCP or TLS (including certificate verification) failed
  timeout,             // the total deadline passed
  too_large,           // the body exceeded the limit
  redirect_refused,    // the answer was a 3xx
  bad_status,          // any other status outside 2xx
  cancelled,           // the caller stopped the call
};

/// The snake_case name, e.g. "address_blocked".
std::string_view to_string(error_code code);

struct failure {
  error_code code = error_code::none;
  std::string message;  // for logs and API errors; names hosts and ranges, never secrets
};

struct parsed_url {
  bool https = false;
  std::string host;         // lower case; an IPv6 literal without its brackets
  int port = 0;
  std::string host_header;  // host[:port], brackets included, port only when not the default
  std::string target;       // path and query, at least "/"
};

/// http and https only, no credentials, no Unicode host names (their xn-- form
/// is fine), a port in 1..65535, at most 2048 printable characters; the
/// fragment is dropped. nullopt with `failed` set otherwise.
std::optional<parsed_url> parse_url(std::string_view text, failure& failed);

/// security.allow_cidrs as ranges (the config loader checked every entry; one
/// that still fails to parse opens nothing).
std::vector<ip_address::range> allowed_ranges(const std::vector<std::string>& texts);

/// The address of a resolved socket address (IPv4 or IPv6).
std::optional<ip_address::address> address_of(const sockaddr& socket_address);

/// A failure naming the first address of `host` that `allow` does not open.
std::optional<failure> refuse_blocked(const std::string& host,
                                      const std::vector<ip_address::address>& addresses,
                                      const std::vector<ip_address::range>& allow);

/// The host a Location header points to (`origin`'s for a relative one),
/// cleaned for a message: no credentials, no port, printable and short.
std::string redirect_host(std::string_view location, const parsed_url& origin);

}  // namespace tessera::net::outbound
