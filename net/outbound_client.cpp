#include "net/outbound_client.hpp"

#include <httplib.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>

#include "protocol/address_class.hpp"

namespace tessera::net::outbound {

namespace {

using clock = std::chrono::steady_clock;

constexpr size_t max_url_length = 2048;
constexpr size_t max_host_length = 253;

fetch_result failure(error_code code, std::string message) {
  fetch_result result;
  result.error = code;
  result.error_message = std::move(message);
  return result;
}

// ---- The URL ------------------------------------------------------------------------------------

struct parsed_url {
  bool https = false;
  std::string host;         // lower case; an IPv6 literal without its brackets
  int port = 0;
  std::string host_header;  // host[:port], brackets included, port only when not the default
  std::string target;       // path and query, at least "/"
};

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

std::optional<parsed_url> parse_url(std::string_view text, fetch_result& failed) {
  auto separator = text.find("://");
  std::string scheme = lower(text.substr(0, separator));
  if (separator == std::string_view::npos || !valid_scheme(scheme)) {
    failed = failure(error_code::bad_url, "not an absolute URL (scheme://host/path)");
    return std::nullopt;
  }
  if (scheme != "http" && scheme != "https") {
    failed = failure(error_code::scheme_not_allowed,
                     "only http and https URLs can be fetched, got " + scheme);
    return std::nullopt;
  }
  if (text.size() > max_url_length || !printable_ascii(text)) {
    failed = failure(error_code::bad_url,
                     "a URL must be at most 2048 printable ASCII characters (percent-encode the "
                     "path; Unicode host names must use their xn-- form)");
    return std::nullopt;
  }
  parsed_url url;
  url.https = scheme == "https";
  std::string_view rest = text.substr(separator + 3);
  auto authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  if (authority.find('@') != std::string_view::npos) {
    failed = failure(error_code::bad_url, "a URL must not carry credentials (user:password@)");
    return std::nullopt;
  }
  if (!read_authority(authority, url)) {
    failed = failure(error_code::bad_url,
                     "the URL needs a host name, an IPv4 address or a bracketed IPv6 address "
                     "(no zone), and a port in 1..65535 if any");
    return std::nullopt;
  }
  std::string_view target =
      authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  target = target.substr(0, target.find('#'));  // the fragment stays with the client
  url.target = target.starts_with('/') ? std::string(target) : "/" + std::string(target);
  return url;
}

// ---- Resolving and checking ---------------------------------------------------------------------

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

// Every address the host has, in the resolver's order; empty when it has none.
std::vector<ip_address::address> resolve(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) return {};
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(found, freeaddrinfo);
  std::vector<ip_address::address> addresses;
  for (auto* entry = found; entry; entry = entry->ai_next) {
    auto a = address_of(*entry->ai_addr);
    if (a && std::find(addresses.begin(), addresses.end(), *a) == addresses.end())
      addresses.push_back(*a);
  }
  return addresses;
}

// One blocked address refuses the host: which of its addresses a later
// connection would use is not ours to predict.
std::optional<fetch_result> refuse_blocked(const std::string& host,
                                           const std::vector<ip_address::address>& addresses,
                                           const std::vector<ip_address::range>& allow) {
  for (const auto& a : addresses) {
    if (address_class::permitted(a, allow)) continue;
    auto where = ip_address::parse(host) ? ip_address::to_string(a)
                                         : host + " resolves to " + ip_address::to_string(a);
    return failure(error_code::address_blocked,
                   where + ", a " + std::string(address_class::name(address_class::classify(a))) +
                       " address, which outbound requests may reach only when "
                       "security.allow_cidrs lists it");
  }
  return std::nullopt;
}

// ---- The total deadline -------------------------------------------------------------------------

// Ends the connection when the deadline passes, whatever httplib is doing:
// its own timeouts bound each connect, read and write separately, so a server
// trickling a byte at a time could hold a request far longer. shutdown() on a
// duplicate of the socket aborts a pending connect, the TLS handshake and any
// read or write on the original; the duplicate is ours until the guard ends,
// so its number cannot come to name another connection meanwhile.
class deadline_guard {
public:
  explicit deadline_guard(clock::time_point deadline)
      : thread_([this, deadline](std::stop_token stop) { wait(stop, deadline); }) {}
  ~deadline_guard() {
    disarm();
    if (fd_ >= 0) ::close(fd_);
  }
  deadline_guard(const deadline_guard&) = delete;
  deadline_guard& operator=(const deadline_guard&) = delete;

  // Called by httplib with each socket it creates, before connecting.
  void watch(int socket) {
    std::lock_guard lock(mutex_);
    if (fd_ >= 0) ::close(fd_);
    fd_ = ::dup(socket);
    if (fired_ && fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
  }

  // Stops watching; true if the deadline passed first.
  bool disarm() {
    thread_.request_stop();
    if (thread_.joinable()) thread_.join();
    return fired_;
  }

private:
  void wait(std::stop_token stop, clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    wake_.wait_until(lock, stop, deadline, [] { return false; });
    if (stop.stop_requested()) return;
    fired_ = true;
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
  }

  std::mutex mutex_;
  std::condition_variable_any wake_;
  int fd_ = -1;
  bool fired_ = false;
  std::jthread thread_;  // last, so it starts after the members it uses
};

// ---- One request --------------------------------------------------------------------------------

// What the response handler and the body receiver saw, for when they cancel.
struct observed {
  int status = 0;
  std::string location;
  bool too_large = false;
};

std::unique_ptr<httplib::ClientImpl> make_client(const parsed_url& url,
                                                 const ip_address::address& target) {
  std::unique_ptr<httplib::ClientImpl> client;
  if (url.https) {
    auto tls = std::make_unique<httplib::SSLClient>(url.host, url.port);
    tls->enable_server_certificate_verification(true);  // against the system CAs and url.host
    client = std::move(tls);
  } else {
    client = std::make_unique<httplib::ClientImpl>(url.host, url.port);
  }
  // httplib connects to the mapped address without resolving url.host again,
  // and still uses url.host for SNI and the certificate's name.
  client->set_hostname_addr_map({{url.host, ip_address::to_string(target)}});
  client->set_follow_location(false);
  client->set_keep_alive(false);
  client->set_decompress(false);  // the limit is on bytes received, and no zip bombs
  client->set_url_encode(false);  // the target is already encoded and checked
  // No set_proxy: httplib never takes one from the environment either.
  return client;
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

fetch_result refused_answer(const observed& seen, const parsed_url& url,
                            const fetch_limits& limits) {
  if (seen.too_large)
    return failure(error_code::too_large, url.host + " sent a body larger than " +
                                              std::to_string(limits.max_body_bytes) + " bytes");
  if (seen.status >= 300 && seen.status < 400) {
    auto result = failure(error_code::redirect_refused,
                          url.host + " answered " + std::to_string(seen.status) +
                              " redirecting to " + redirect_host(seen.location, url) +
                              "; redirects are not followed");
    result.status = seen.status;
    return result;
  }
  auto result = failure(error_code::bad_status,
                        url.host + " answered " + std::to_string(seen.status) + ", not 2xx");
  result.status = seen.status;
  return result;
}

fetch_result timed_out(const parsed_url& url, const fetch_limits& limits) {
  return failure(error_code::timeout, url.host + " did not answer within " +
                                          std::to_string(limits.total.count()) + " ms");
}

fetch_result connection_failure(httplib::Error error, const parsed_url& url) {
  if (error == httplib::Error::SSLConnection || error == httplib::Error::SSLServerVerification)
    return failure(error_code::connect_failed,
                   "the TLS handshake with " + url.host +
                       " failed (is its certificate valid for that name?)");
  if (error == httplib::Error::Connection)
    return failure(error_code::connect_failed,
                   "could not connect to " + url.host + " port " + std::to_string(url.port));
  return failure(error_code::connect_failed, "the connection to " + url.host +
                                                 " failed: " + httplib::to_string(error));
}

// GET from one checked address. `unreachable` is set when no connection came
// about, so that the next address may be tried.
fetch_result get_from(const parsed_url& url, const ip_address::address& target,
                      const fetch_limits& limits, clock::time_point deadline, bool& unreachable) {
  auto client = make_client(url, target);
  deadline_guard guard(deadline);
  client->set_socket_options([&guard](socket_t socket) { guard.watch(socket); });
  // The guard ends the request at the deadline; httplib's own timeouts are
  // only a backstop, a little later so that the cause is reported as timeout.
  auto backstop = std::chrono::duration_cast<std::chrono::microseconds>(
      deadline - clock::now() + std::chrono::seconds(1));
  client->set_connection_timeout(backstop);
  client->set_read_timeout(backstop);
  client->set_write_timeout(backstop);

  observed seen;
  std::string body;
  auto on_response = [&](const httplib::Response& response) {
    seen.status = response.status;
    seen.location = response.get_header_value("Location");
    return response.status >= 200 && response.status < 300;  // other bodies are not read
  };
  auto on_body = [&](const char* data, size_t size) {
    seen.too_large = body.size() + size > limits.max_body_bytes;
    if (!seen.too_large) body.append(data, size);
    return !seen.too_large;
  };
  auto answer = client->Get(url.target, {{"Host", url.host_header}}, on_response, on_body);
  bool late = guard.disarm() || clock::now() >= deadline;

  unreachable = false;
  if (answer) {
    fetch_result result;
    result.status = answer->status;
    result.body = std::move(body);
    return result;
  }
  if (answer.error() == httplib::Error::Canceled) return refused_answer(seen, url, limits);
  if (late) return timed_out(url, limits);
  unreachable = answer.error() == httplib::Error::Connection;
  return connection_failure(answer.error(), url);
}

}  // namespace

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
  }
  return "none";
}

fetch_result fetch(std::string_view text, const fetch_limits& limits,
                   const std::vector<ip_address::range>& allow) {
  auto deadline = clock::now() + limits.total;
  fetch_result failed;
  auto url = parse_url(text, failed);
  if (!url) return failed;
  auto addresses = resolve(url->host);
  if (addresses.empty())
    return failure(error_code::resolve_failed, url->host + " has no address");
  if (auto refused = refuse_blocked(url->host, addresses, allow)) return *refused;
  // Every address passed the check, so any may be used: try them in the
  // resolver's order while connecting fails (say, IPv6 without a route).
  fetch_result result;
  for (const auto& target : addresses) {
    if (clock::now() >= deadline) return timed_out(*url, limits);
    bool unreachable = false;
    result = get_from(*url, target, limits, deadline, unreachable);
    if (!unreachable) break;
  }
  return result;
}

}  // namespace tessera::net::outbound
