#include "config/values.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <iterator>
#include <limits>
#include <utility>

#include "protocol/ip_address.hpp"

namespace tessera::config {

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::optional<int64_t> parse_integer(std::string_view text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_digit);
}

namespace {

struct host_port {
  std::string_view host;
  std::optional<std::string_view> port;
};

// Splits "host", "host:port", "[v6]" and "[v6]:port". An unbracketed IPv6 address comes back
// whole as the host, so that check_host can say brackets are needed.
std::optional<host_port> split_host_port(std::string_view text) {
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view rest = text.substr(close + 1);
    if (rest.empty()) return host_port{text, std::nullopt};
    if (rest[0] != ':') return std::nullopt;
    return host_port{text.substr(0, close + 1), rest.substr(1)};
  }
  auto colon = text.find(':');
  if (colon == std::string_view::npos || text.find(':', colon + 1) != std::string_view::npos)
    return host_port{text, std::nullopt};
  return host_port{text.substr(0, colon), text.substr(colon + 1)};
}

std::string check_port(std::string_view port) {
  auto number = all_digits(port) && port.size() <= 5 ? parse_integer(port) : std::nullopt;
  if (!number || *number < 1 || *number > 65535)
    return "port must be a number between 1 and 65535, got " + quoted(port);
  return "";
}

// A DNS name, an IPv4 address or a bracketed IPv6 address.
std::string check_host(std::string_view host) {
  std::string text(host);
  unsigned char address[16];
  if (host.starts_with('[')) {
    std::string inner(host.substr(1, host.size() - 2));
    if (!host.ends_with(']') || inet_pton(AF_INET6, inner.c_str(), address) != 1)
      return "invalid IPv6 address " + quoted(host);
    return "";
  }
  if (host.find(':') != std::string_view::npos)
    return "IPv6 addresses need brackets, e.g. [::1]:8080, got " + quoted(host);
  if (std::all_of(host.begin(), host.end(), [](char c) { return c == '.' || is_digit(c); })) {
    if (inet_pton(AF_INET, text.c_str(), address) != 1)
      return "invalid IPv4 address " + quoted(host);
    return "";
  }
  // Underscores are not valid in DNS names but common in container names, so they pass.
  auto label_char = [](char c) { return is_letter(c) || is_digit(c) || c == '-' || c == '_'; };
  bool valid = host.size() <= 253;
  for (size_t start = 0; valid && start <= host.size();) {
    auto end = std::min(host.find('.', start), host.size());
    std::string_view label = host.substr(start, end - start);
    valid = !label.empty() && label.size() <= 63 && !label.starts_with('-') &&
            !label.ends_with('-') && std::all_of(label.begin(), label.end(), label_char);
    start = end + 1;
  }
  return valid ? "" : "invalid host name " + quoted(host);
}

}  // namespace

std::string check_http_addr(const std::string& addr) {
  auto parts = split_host_port(addr);
  bool bare_ipv6 = parts && !parts->host.starts_with('[') &&
                   parts->host.find(':') != std::string_view::npos;
  if (bare_ipv6) return check_host(parts->host);  // which says that brackets are needed
  if (!parts || !parts->port) return "must be host:port or :port, got " + quoted(addr);
  if (!parts->host.empty()) {
    if (auto problem = check_host(parts->host); !problem.empty()) return problem;
  }
  return check_port(*parts->port);
}


bool listeners_clash(std::string_view a, std::string_view b) {
  auto split = [](std::string_view addr) {
    auto colon = addr.rfind(':');
    return std::pair{addr.substr(0, colon), addr.substr(colon + 1)};
  };
  auto any = [](std::string_view host) {
    return host.empty() || host == "0.0.0.0" || host == "[::]";
  };
  auto [host_a, port_a] = split(a);
  auto [host_b, port_b] = split(b);
  return parse_integer(port_a) == parse_integer(port_b) &&
         (host_a == host_b || any(host_a) || any(host_b));
}

bool split_listen_addr(const std::string& addr, std::string& host, int& port) {
  auto colon = addr.rfind(':');
  if (colon == std::string::npos)
    return false;
  host = addr.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  auto number = parse_integer(std::string_view(addr).substr(colon + 1));
  if (!number || *number < 0 || *number > 65535)
    return false;
  port = static_cast<int>(*number);
  return true;
}

std::string check_optional_addr(const std::string& addr) {
  return addr.empty() ? "" : check_http_addr(addr);
}

// An origin as browsers send it in the Origin header: scheme://host[:port], nothing after.
std::string check_origin(const std::string& origin) {
  if (origin == "*") return "";
  std::string_view rest = origin;
  if (rest.starts_with("https://"))
    rest.remove_prefix(8);
  else if (rest.starts_with("http://"))
    rest.remove_prefix(7);
  else
    return "must be \"*\" or an origin like https://example.com, got " + quoted(origin);
  if (rest.find_first_of("/?#") != std::string_view::npos)
    return "an origin has no path (scheme://host[:port]), got " + quoted(origin);
  auto parts = split_host_port(rest);
  if (!parts || parts->host.empty())
    return "must be \"*\" or an origin like https://example.com, got " + quoted(origin);
  if (auto problem = check_host(parts->host); !problem.empty()) return problem;
  return parts->port ? check_port(*parts->port) : "";
}

std::string check_optional_origin(const std::string& url) {
  if (url.empty()) return "";
  if (url == "*") return "must be an origin like https://tessera.example.com, got \"*\"";
  return check_origin(url);
}

std::string check_non_empty(const std::string& text) {
  return text.empty() ? "must not be empty" : "";
}

std::string check_nothing(const std::string&) { return ""; }

std::string check_optional_seed(const std::string& text) {
  auto base64url = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
  };
  if (text.empty() || (text.size() == 43 && std::all_of(text.begin(), text.end(), base64url)))
    return "";
  // Never quote the value: it is a secret.
  return "must be a 32-byte Ed25519 seed in base64url without padding (43 characters, the "
         "private_key of a tessera keygen key file), or \"\"";
}

// An address or a CIDR range: trusted proxies and allowed outbound ranges, where a typo must
// fail loudly rather than trust or open something else, or nothing.
std::string check_ip_range(const std::string& entry) {
  if (ip_address::parse_range(entry)) return "";
  return "must be an IP address (10.0.0.1, ::1) or a CIDR range without host bits "
         "(10.0.0.0/8, fd00::/8), got " +
         quoted(entry);
}

std::string check_audit_output(const std::string& output) {
  if (output == "stdout" || (output.starts_with("file:") && output.size() > 5)) return "";
  return "must be stdout or file:PATH (e.g. file:/var/log/tessera/audit.log), got " +
         quoted(output);
}

std::optional<size_t> parse_size(std::string_view text) {
  auto digits_end = std::find_if_not(text.begin(), text.end(), is_digit);
  auto number = parse_integer(text.substr(0, digits_end - text.begin()));
  std::string_view unit = text.substr(digits_end - text.begin());
  while (unit.starts_with(' ')) unit.remove_prefix(1);
  static constexpr std::pair<std::string_view, size_t> units[] = {
      {"", 1}, {"B", 1}, {"KiB", kib}, {"MiB", mib}, {"GiB", gib}};
  auto found = std::find_if(std::begin(units), std::end(units),
                            [&](const auto& u) { return u.first == unit; });
  if (!number || found == std::end(units)) return std::nullopt;
  auto count = static_cast<size_t>(*number);
  if (count > std::numeric_limits<size_t>::max() / found->second) return std::nullopt;
  return count * found->second;
}

std::string format_size(size_t bytes) {
  if (bytes != 0 && bytes % gib == 0) return std::to_string(bytes / gib) + "GiB";
  if (bytes != 0 && bytes % mib == 0) return std::to_string(bytes / mib) + "MiB";
  if (bytes != 0 && bytes % kib == 0) return std::to_string(bytes / kib) + "KiB";
  return std::to_string(bytes);
}

// One entry of signaling.turn.urls (RFC 7064/7065): stun:host[:port], turn:host[:port] or
// turns:host[:port], the TURN ones optionally with ?transport=udp|tcp. These URLs have no "//";
// "turn://host" is a common slip that browsers reject, so it fails here instead.
std::string check_ice_url(const std::string& url) {
  std::string_view rest = url;
  std::string_view scheme;
  for (std::string_view known : {"stun:", "turn:", "turns:"})
    if (rest.starts_with(known)) scheme = known;
  if (scheme.empty())
    return "must be a stun:, turn: or turns: URL, e.g. turn:turn.example.org:3478, got " +
           quoted(url);
  rest.remove_prefix(scheme.size());
  if (rest.starts_with("//"))
    return "has no // after the scheme (" + std::string(scheme) + "host:port), got " + quoted(url);
  std::string_view host_port = rest.substr(0, rest.find('?'));
  if (host_port.size() < rest.size()) {
    std::string_view query = rest.substr(host_port.size() + 1);
    if (scheme == "stun:")
      return "a stun: URL takes no ?query, got " + quoted(url);
    if (query != "transport=udp" && query != "transport=tcp")
      return "the only query is ?transport=udp or ?transport=tcp, got " + quoted(url);
  }
  if (host_port.empty() || host_port.starts_with(':'))
    return "needs a host, got " + quoted(url);
  // The port is optional here but not in check_http_addr, which checks the rest: supply the
  // default (3478) when there is none. "[v6]" has no port; "[v6]:p" and "host:p" have one.
  bool has_port = host_port.starts_with('[') ? host_port.find("]:") != std::string_view::npos
                                             : std::count(host_port.begin(), host_port.end(), ':') == 1;
  std::string checked(host_port);
  if (!has_port) checked += ":3478";
  if (auto problem = check_http_addr(checked); !problem.empty())
    return "invalid host or port in " + quoted(url) + ": " + problem;
  return "";
}

}  // namespace tessera::config
