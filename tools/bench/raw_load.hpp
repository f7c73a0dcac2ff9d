#pragma once
// A light load generator, for figures whose requests differ one from the next
// (each signed with its own nonce, each registering another agent), which wrk
// can't send: every request is written out in full before timing, and one
// thread keeps `connections` keep-alive sockets busy with them through epoll,
// one request in flight per socket, as wrk does. It costs the machine a few
// microseconds a request, where a thread per connection costs the server the
// cores it is being measured on.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/bench/bench_support.hpp"

namespace tessera::bench {

/// A complete HTTP/1.1 request, keep-alive.
inline std::string raw_request(const std::string& method, const std::string& target,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               const std::string& body = "") {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [name, value] : headers)
    r += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT")
    r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  r += "\r\n";
  r += body;
  return r;
}

struct raw_load_result {
  run_result run;
  std::vector<double> latencies_ms;  // of the answered requests, sorted
  double percentile(double p) const {
    if (latencies_ms.empty())
      return 0;
    auto i = static_cast<size_t>(p * static_cast<double>(latencies_ms.size() - 1));
    return latencies_ms[i];
  }
};

namespace raw_detail {

struct conn {
  int fd = -1;
  std::string in;
  size_t out_at = 0;
  const std::string* out = nullptr;
  clock_type::time_point sent;
};

inline int connect_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  return fd;
}

/// The length of the first complete response in `in` (0: not complete yet)
/// and its status; -1 when it is not HTTP.
inline long response_length(std::string_view in, int& status) {
  auto end = in.find("\r\n\r\n");
  if (end == std::string_view::npos)
    return 0;
  if (in.size() < 12 || in.substr(0, 9) != "HTTP/1.1 ")
    return -1;
  std::from_chars(in.data() + 9, in.data() + 12, status);
  size_t length = 0;
  auto head = in.substr(0, end);
  for (std::string_view name : {"\r\nContent-Length: ", "\r\ncontent-length: "}) {
    if (auto at = head.find(name); at != std::string_view::npos) {
      auto from = head.data() + at + name.size();
      std::from_chars(from, head.data() + head.size(), length);
    }
  }
  size_t total = end + 4 + length;
  return in.size() >= total ? static_cast<long>(total) : 0;
}

}  // namespace raw_detail

/// Sends every request of `requests` once, in order, over `connections`
/// sockets to 127.0.0.1:port; an answer other than `expected` (or none), or
/// whose body `accept` refuses, counts as failed. Stops at `deadline` (what
/// is left counts as unsent).
inline raw_load_result raw_load(
    int port, const std::vector<std::string>& requests, int connections, int expected,
    clock_type::time_point deadline,
    const std::function<bool(std::string_view body)>& accept = nullptr) {
  using namespace raw_detail;
  raw_load_result out;
  auto& r = out.run;
  int ep = ::epoll_create1(0);
  std::vector<conn> conns(static_cast<size_t>(std::max(1, connections)));
  size_t next = 0;
  auto fail = [&](const std::string& why) {
    r.failed += 1;
    if (r.first_error.empty())
      r.first_error = why;
  };
  auto send_next = [&](conn& c) {
    if (next >= requests.size() || clock_type::now() >= deadline) {
      c.out = nullptr;
      return;
    }
    c.out = &requests[next++];
    c.out_at = 0;
    c.sent = clock_type::now();
    while (c.out_at < c.out->size()) {
      auto n = ::send(c.fd, c.out->data() + c.out_at, c.out->size() - c.out_at, MSG_NOSIGNAL);
      if (n <= 0)
        break;  // the socket is full: the answer waits (requests here are small)
      c.out_at += static_cast<size_t>(n);
    }
  };
  auto start = clock_type::now();
  for (size_t i = 0; i < conns.size(); ++i) {
    conns[i].fd = connect_loopback(port);
    if (conns[i].fd < 0) {
      fail("cannot connect");
      continue;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
    send_next(conns[i]);
  }
  std::vector<epoll_event> ready(conns.size());
  char buf[65536];
  auto busy = [&] {
    return std::any_of(conns.begin(), conns.end(), [](const conn& c) { return c.out; });
  };
  while (busy()) {
    int n = ::epoll_wait(ep, ready.data(), static_cast<int>(ready.size()), 1000);
    if (n <= 0 && clock_type::now() >= deadline + std::chrono::seconds(10))
      break;
    for (int k = 0; k < n; ++k) {
      auto& c = conns[ready[k].data.u64];
      auto got = ::recv(c.fd, buf, sizeof buf, 0);
      if (got <= 0) {
        if (c.out)
          fail("connection closed before the answer");
        ::epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
        c.out = nullptr;
        continue;
      }
      c.in.append(buf, static_cast<size_t>(got));
      int status = 0;
      while (c.out) {
        auto length = response_length(c.in, status);
        if (length == 0)
          break;
        auto body_at = c.in.find("\r\n\r\n") + 4;
        if (length < 0 || status != expected) {
          fail("status " + std::to_string(status) + ": " + c.in.substr(body_at, 300));
          length = static_cast<long>(c.in.size());
        } else if (accept &&
                   !accept(std::string_view(c.in).substr(body_at, static_cast<size_t>(length) - body_at))) {
          fail("refused answer: " + c.in.substr(body_at, 300));
        } else {
          r.ok += 1;
          out.latencies_ms.push_back(
              std::chrono::duration<double, std::milli>(clock_type::now() - c.sent).count());
        }
        c.in.erase(0, static_cast<size_t>(length));
        send_next(c);
      }
    }
  }
  r.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  r.unsent = requests.size() - next;
  if (r.unsent && r.first_error.empty())
    r.first_error = "time limit reached";
  for (auto& c : conns)
    if (c.fd >= 0)
      ::close(c.fd);
  ::close(ep);
  std::sort(out.latencies_ms.begin(), out.latencies_ms.end());
  return out;
}

}  // namespace tessera::bench
