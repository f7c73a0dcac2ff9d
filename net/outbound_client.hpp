#pragma once
// GET requests to URLs that agents supply (endpoint verification, later the
// bridge), safe by construction against server-side request forgery:
// - http and https only; the URL is parsed strictly (no credentials, no
//   Unicode host names, a port in 1..65535);
// - the host is resolved once, every address it resolves to is classified
//   (protocol/address_class.hpp) and one blocked address refuses the whole
//   request unless `allow` lists it; the connection then goes to a checked
//   address literally, so a second lookup cannot answer differently (DNS
//   rebinding), while the Host header, TLS SNI and certificate check use the
//   name from the URL;
// - redirects are refused, not followed; no proxy is used;
// - a total deadline covers connecting, TLS and reading, and a body larger
//   than the limit fails.
// Blocking: call it from a detached actor or a worker thread, never from a
// cooperative scheduler thread.
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "net/outbound_target.hpp"

namespace tessera::net::outbound {

struct fetch_limits {
  std::chrono::milliseconds total{5'000};  // from the call until the body is read
  size_t max_body_bytes = 4096;
};

struct fetch_result {
  int status = 0;  // the HTTP status when one was received, else 0
  std::string body;
  error_code error = error_code::none;
  std::string error_message;  // for logs and API errors; names hosts and ranges, never secrets

  bool ok() const { return error == error_code::none; }
};

/// GET `url`. `allow` (security.allow_cidrs, parsed) opens blocked addresses.
/// The deadline does not interrupt the name lookup itself (getaddrinfo cannot
/// be cancelled): a lookup that overruns it fails as `timeout` once it returns.
fetch_result fetch(std::string_view url, const fetch_limits& limits,
                   const std::vector<ip_address::range>& allow);

}  // namespace tessera::net::outbound
