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

fetch_result failed(error_code code, std::string message) {
  fetch_result result;
  result.error = code;
  result.error_message = std::move(message);
  return result;
}

fetch_result failed(const failure& f) { return failed(f.code, f.message); }

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

fetch_result refused_answer(const observed& seen, const parsed_url& url,
                            const fetch_limits& limits) {
  if (seen.too_large)
    return failed(error_code::too_large, url.host + " sent a body larger than " +
                                              std::to_string(limits.max_body_bytes) + " bytes");
  if (seen.status >= 300 && seen.status < 400) {
    auto result = failed(error_code::redirect_refused,
                          url.host + " answered " + std::to_string(seen.status) +
                              " redirecting to " + redirect_host(seen.location, url) +
                              "; redirects are not followed");
    result.status = seen.status;
    return result;
  }
  auto result = failed(error_code::bad_status,
                        url.host + " answered " + std::to_string(seen.status) + ", not 2xx");
  result.status = seen.status;
  return result;
}

fetch_result timed_out(const parsed_url& url, const fetch_limits& limits) {
  return failed(error_code::timeout, url.host + " did not answer within " +
                                          std::to_string(limits.total.count()) + " ms");
}

fetch_result connection_failure(httplib::Error error, const parsed_url& url) {
  if (error == httplib::Error::SSLConnection || error == httplib::Error::SSLServerVerification)
    return failed(error_code::connect_failed,
                   "the TLS handshake with " + url.host +
                       " failed (is its certificate valid for that name?)");
  if (error == httplib::Error::Connection)
    return failed(error_code::connect_failed,
                   "could not connect to " + url.host + " port " + std::to_string(url.port));
  return failed(error_code::connect_failed, "the connection to " + url.host +
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

fetch_result fetch(std::string_view text, const fetch_limits& limits,
                   const std::vector<ip_address::range>& allow) {
  auto deadline = clock::now() + limits.total;
  failure why;
  auto url = parse_url(text, why);
  if (!url) return failed(why);
  auto addresses = resolve(url->host);
  if (addresses.empty())
    return failed(error_code::resolve_failed, url->host + " has no address");
  if (auto refused = refuse_blocked(url->host, addresses, allow)) return failed(*refused);
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
