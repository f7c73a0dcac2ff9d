#pragma once
// Servers on loopback for the outbound clients' tests (net/): a real httplib
// server that remembers what it was asked, a socket that listens but never
// accepts (to count connections), and a latch a handler can wait on.
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "protocol/ip_address.hpp"

namespace tessera::testkit {

using namespace std::chrono_literals;

inline std::vector<ip_address::range> ranges(std::initializer_list<std::string_view> texts) {
  std::vector<ip_address::range> result;
  for (auto text : texts) result.push_back(ip_address::parse_range(text).value());
  return result;
}

// A real httplib server on 127.0.0.1 and a port the kernel picks; it counts
// the requests it receives and remembers the last one's Host and target.
class test_server {
public:
  explicit test_server(httplib::Server* server = nullptr)
      : server_(server ? server : &own_) {
    server_->set_pre_routing_handler([this](const httplib::Request& request, auto&) {
      std::lock_guard lock(mutex_);
      ++requests_;
      host_ = request.get_header_value("Host");
      target_ = request.target;
      return httplib::Server::HandlerResponse::Unhandled;
    });
  }
  ~test_server() {
    server_->stop();
    if (thread_.joinable()) thread_.join();
  }

  httplib::Server& routes() { return *server_; }

  void start() {
    port_ = server_->bind_to_any_port("127.0.0.1");
    BOOST_TEST_REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    for (int i = 0; i < 500 && !server_->is_running(); ++i) std::this_thread::sleep_for(10ms);
    BOOST_TEST_REQUIRE(server_->is_running());
  }

  std::string url(const std::string& target = "/", const std::string& scheme = "http") const {
    return scheme + "://127.0.0.1:" + std::to_string(port_) + target;
  }
  int port() const { return port_; }
  int requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::string host() const {
    std::lock_guard lock(mutex_);
    return host_;
  }
  std::string target() const {
    std::lock_guard lock(mutex_);
    return target_;
  }

private:
  httplib::Server own_;
  httplib::Server* server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mutex_;
  int requests_ = 0;
  std::string host_, target_;
};

// A listening socket that never accepts: the kernel completes connections to
// it anyway and queues them, so counting the queue after a fetch tells
// whether the client connected at all.
class silent_listener {
public:
  explicit silent_listener(const char* address = "127.0.0.1") {
    bool v6 = std::string_view(address).find(':') != std::string_view::npos;
    sockaddr_storage storage{};
    socklen_t length = 0;
    if (v6) {
      auto& a = reinterpret_cast<sockaddr_in6&>(storage);
      a.sin6_family = AF_INET6;
      inet_pton(AF_INET6, address, &a.sin6_addr);
      length = sizeof a;
    } else {
      auto& a = reinterpret_cast<sockaddr_in&>(storage);
      a.sin_family = AF_INET;
      inet_pton(AF_INET, address, &a.sin_addr);
      length = sizeof a;
    }
    fd_ = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    auto* raw = reinterpret_cast<sockaddr*>(&storage);
    if (fd_ < 0 || ::bind(fd_, raw, length) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, raw, &length) != 0)
      return;  // usable() says so
    port_ = ntohs(v6 ? reinterpret_cast<sockaddr_in6&>(storage).sin6_port
                     : reinterpret_cast<sockaddr_in&>(storage).sin_port);
  }
  ~silent_listener() {
    if (fd_ >= 0) ::close(fd_);
  }

  bool usable() const { return port_ > 0; }
  int port() const { return port_; }

  // Connections made so far (each is taken off the queue and closed).
  int connections() {
    int count = 0;
    for (int connection; (connection = ::accept(fd_, nullptr, nullptr)) >= 0; ++count)
      ::close(connection);
    return count;
  }

private:
  int fd_ = -1;
  int port_ = 0;
};

// Lets a handler wait for the test, and tells the test whether it waited in vain.
struct hold {
  std::mutex mutex;
  std::condition_variable released_cv;
  bool released = false;
  std::atomic<bool> finished{false};  // the handler waited its full time

  void wait(std::chrono::milliseconds at_most) {
    std::unique_lock lock(mutex);
    if (!released_cv.wait_for(lock, at_most, [this] { return released; })) finished = true;
  }
  void release() {
    std::lock_guard lock(mutex);
    released = true;
    released_cv.notify_all();
  }
};

}  // namespace tessera::testkit
