#include "net/outbound_target.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>

#include "protocol/address_class.hpp"

namespace tessera::net::outbound {

namespace {

constexpr size_t max_url_length = 2048;
constexpr size_t max_host_length = 253;

// ---- The URL ------------------------------------------------------------------------------------


bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

// Printable ASCII without spaces: what a URL is once encoded. A Unicode host
// name is refused here rather than converted (its xn-- form is accepted).
bool printable_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool valid_scheme(std::string_view scheme) {
  auto scheme_char = [](char c) {
    return (c >= 'a' && c <= 'z') || is_digit(c) || c == '+' || c == '-' || c == '.';
  };
  return !scheme.empty() && !is_digit(scheme[0]) &&
         std::all_of(scheme.begin(), scheme.end(), scheme_char);
}

// Dot-separated labels of letters, digits and inner hyphens. A name whose
// last label starts with a digit is refused: resolvers read 127.1, 0x7f.1 or
// 2130706433 as IPv4 addresses, and only dotted quads are taken as those.
bool valid_host_name(std::string_view host) {
  if (host.empty() || host.size() > max_host_length) return false;
  auto label_char = [](char c) { return (c >= 'a' && c <= 'z') || is_digit(c) || c == '-'; };
  std::string_view label;
  for (size_t start = 0; start <= host.size();) {
    auto end = std::min(host.find('.', start), host.size());
    label = host.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-' ||
        !std::all_of(label.begin(), label.end(), label_char))
      return false;
    start = end + 1;
  }
  return !is_digit(label.front());
}

bool valid_host(std::string_view host, bool bracketed) {
  if (bracketed) return host.find(':') != std::string_view::npos && ip_address::parse(host);
  if (std::all_of(host.begin(), host.end(), [](char c) { return c == '.' || is_digit(c); }))
    return !host.empty() && ip_address::parse(host).has_value();
  return valid_host_name(host);
}

std::optional<int> parse_port(std::string_view digits) {
  if (digits.empty() || digits.size() > 5 || !std::all_of(digits.begin(), digits.end(), is_digit))
    return std::nullopt;
  int port = std::stoi(std::string(digits));
  if (port < 1 || port > 65535) return std::nullopt;
  return port;
}

// Splits "host", "host:port", "[v6]" and "[v6]:port" and fills host, port and
// host_header; false when the authority is malformed.
bool read_authority(std::string_view authority, parsed_url& url) {
  bool bracketed = authority.starts_with('[');
  std::string_view host, rest;
  if (bracketed) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return false;
    host = authority.substr(1, close - 1);
    rest = authority.substr(close + 1);
  } else {
    auto colon = authority.find(':');
    host = authority.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view{} : authority.substr(colon);
  }
  url.host = lower(host);
  if (!valid_host(url.host, bracketed)) return false;
  int default_port = url.https ? 443 : 80;
  url.port = default_port;
  if (!rest.empty()) {
    auto port = rest.starts_with(':') ? parse_port(rest.substr(1)) : std::nullopt;
    if (!port) return false;
    url.port = *port;
  }
  url.host_header = bracketed ? "[" + url.host + "]" : url.host;
  if (url.port != default_port) url.host_header += ":" + std::to_string(url.port);
  return true;
}

}  // namespace

std::optional<parsed_url> parse_url(std::string_view text, failure& failed) {
  auto separator = text.find("://");
  std::string scheme = lower(text.substr(0, separator));
  if (separator == std::string_view::npos || !valid_scheme(scheme)) {
    failed = failure{error_code::bad_url, "not an absolute URL (scheme://host/path)"};
    return std::nullopt;
  }
  if (scheme != "http" && scheme != "https") {
    failed = failure{error_code::scheme_not_allowed,
                     "only http and https URLs can be fetched, got " + scheme};
    return std::nullopt;
  }
  if (text.size() > max_url_length || !printable_ascii(text)) {
    failed = failure{error_code::bad_url,
                     "a URL must be at most 2048 printable ASCII characters (percent-encode the "
                     "path; Unicode host names must use their xn-- form)"};
    return std::nullopt;
  }
  parsed_url url;
  url.https = scheme == "https";
  std::string_view rest = text.substr(separator + 3);
  auto authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  if (authority.find('@') != std::string_view::npos) {
    failed = failure{error_code::bad_url, "a URL must not carry credentials (user:password@)"};
    return std::nullopt;
  }
  if (!read_authority(authority, url)) {
    failed = failure{error_code::bad_url,
                     "the URL needs a host name, an IPv4 address or a bracketed IPv6 address "
                     "(no zone), and a port in 1..65535 if any"};
    return std::nullopt;
  }
  std::string_view target =
      authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  target = target.substr(0, target.find('#'));  // the fragment stays with the client
  url.target = target.starts_with('/') ? std::string(target) : "/" + std::string(target);
  return url;
}

std::vector<ip_address::range> allowed_ranges(const std::vector<std::string>& texts) {
  std::vector<ip_address::range> ranges;
  for (const auto& text : texts)
    if (auto r = ip_address::parse_range(text)) ranges.push_back(*r);
  return ranges;
}

std::optional<ip_address::address> address_of(const sockaddr& socket_address) {
  char text[INET6_ADDRSTRLEN] = {};
  const void* raw = nullptr;
  if (socket_address.sa_family == AF_INET)
    raw = &reinterpret_cast<const sockaddr_in&>(socket_address).sin_addr;
  else if (socket_address.sa_family == AF_INET6)
    raw = &reinterpret_cast<const sockaddr_in6&>(socket_address).sin6_addr;
  if (!raw || !inet_ntop(socket_address.sa_family, raw, text, sizeof text)) return std::nullopt;
  return ip_address::parse(text);
}

// One blocked address refuses the host: which of its addresses a later
// connection would use is not ours to predict.
std::optional<failure> refuse_blocked(const std::string& host,
                                           const std::vector<ip_address::address>& addresses,
                                           const std::vector<ip_address::range>& allow) {
  for (const auto& a : addresses) {
    if (address_class::permitted(a, allow)) continue;
    auto where = ip_address::parse(host) ? ip_address::to_string(a)
                                         : host + " resolves to " + ip_address::to_string(a);
    return failure{error_code::address_blocked,
                   where + ", a " + std::string(address_class::name(address_class::classify(a))) +
                       " address, which outbound requests may reach only when "
                       "security.allow_cidrs lists it"};
  }
  return std::nullopt;
}

// The host a Location header points to ("" for a relative one), cleaned for a
// message: no credentials, no port, printable and short.
std::string redirect_host(std::string_view location, const parsed_url& origin) {
  auto slashes = location.find("//");
  if (slashes == std::string_view::npos || location.find_first_of("/?#") < slashes)
    return origin.host;
  std::string_view authority = location.substr(slashes + 2);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string_view::npos)
    authority = authority.substr(at + 1);
  auto host_end = authority.starts_with('[') ? authority.find(']') + 1 : authority.find(':');
  authority = authority.substr(0, host_end);
  std::string host(authority.substr(0, max_host_length));
  std::replace_if(host.begin(), host.end(), [](char c) { return c <= 0x20 || c >= 0x7f; }, '?');
  return host;
}

std::string_view to_string(error_code code) {
  switch (code) {
    case error_code::none: return "none";
    case error_code::scheme_not_allowed: return "scheme_not_allowed";
    case error_code::bad_url: return "bad_url";
    case error_code::resolve_failed: return "resolve_failed";
    case error_code::address_blocked: return "address_blocked";
    case error_code::connect_failed: return "connect_failed";
    case error_code::timeout: return "timeout";
    case error_code::too_large: return "too_large";
    case error_code::redirect_refused: return "redirect_refused";
    case error_code::bad_status: return "bad_status";
    case error_code::cancelled: return "cancelled";
  }
  return "none";
}

}  // namespace tessera::net::outbound
