#pragma once
// bench_signaling's baseline, the same frames through Redis pub/sub alone
// (spoken in RESP over asio: each agent its own SUBSCRIBE connection, sends
// through a few shared PUBLISH connections, on a redis-server of the bench's
// own), and what both sides of the bench measure with. Header-only: CMake
// makes a benchmark of every tools/bench/*.cpp.
#include <utility>  // before asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tools/bench/bench_support.hpp"

namespace tessera::bench::signaling {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

struct agent_key {
  std::string id;
  tessera::crypto::key_pair key;
};

inline int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             clock_type::now().time_since_epoch())
      .count();
}

/// The send time inside a received frame ("t":<ns>), or -1.
inline int64_t sent_time(std::string_view text) {
  auto at = text.find("\"t\":");
  if (at == std::string_view::npos)
    return -1;
  return std::strtoll(text.data() + at + 4, nullptr, 10);
}

/// What the exchange phase measured, on either side.
struct exchange_result {
  size_t frames = 0;   // received within the measured span
  double seconds = 0;
  std::vector<int64_t> latencies_ns;
  size_t errors = 0;
  std::string first_error;
  double rate() const { return seconds > 0 ? frames / seconds : 0; }
  double percentile_ms(double p) {
    if (latencies_ns.empty())
      return 0;
    auto k = static_cast<size_t>(p * (latencies_ns.size() - 1));
    std::nth_element(latencies_ns.begin(), latencies_ns.begin() + k, latencies_ns.end());
    return latencies_ns[k] / 1e6;
  }
  void fail(std::string what) {
    if (errors++ == 0)
      first_error = std::move(what);
  }
};

inline std::string resp_command(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args)
    out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

/// Parses one RESP value off the front of `buf` (arrays of bulk strings and
/// integers, simple strings, errors); false when it isn't complete yet.
inline bool resp_next(std::string& buf, std::vector<std::string>& items, bool& error) {
  size_t pos = 0;
  auto line = [&](std::string& out) {
    auto end = buf.find("\r\n", pos);
    if (end == std::string::npos)
      return false;
    out = buf.substr(pos, end - pos);
    pos = end + 2;
    return true;
  };
  std::function<bool()> value = [&]() -> bool {
    std::string head;
    if (!line(head) || head.empty())
      return false;
    switch (head[0]) {
      case '*': {
        long n = std::stol(head.substr(1));
        for (long i = 0; i < n; ++i)
          if (!value())
            return false;
        return true;
      }
      case '$': {
        long n = std::stol(head.substr(1));
        if (n < 0) {
          items.emplace_back();
          return true;
        }
        if (buf.size() < pos + n + 2)
          return false;
        items.push_back(buf.substr(pos, n));
        pos += n + 2;
        return true;
      }
      case '-':
        error = true;
        [[fallthrough]];
      default:
        items.push_back(head.substr(1));
        return true;
    }
  };
  items.clear();
  error = false;
  if (!value())
    return false;
  buf.erase(0, pos);
  return true;
}

struct redis_conn {
  explicit redis_conn(asio::io_context& io) : socket(io) {}
  tcp::socket socket;
  std::array<char, 16384> chunk{};
  std::string in;
  std::deque<std::string> outbox;
};

class redis_run {
public:
  redis_run(asio::io_context& io, int port, const std::vector<agent_key>& keys, size_t publishers,
            size_t window, std::string frame_filler, exchange_result& out)
      : io_(io), port_(port), window_(window), filler_(std::move(frame_filler)), out_(out) {
    for (size_t i = 0; i < keys.size(); ++i) {
      ids_.push_back(keys[i].id);
      subscribers_.push_back(std::make_unique<redis_conn>(io));
    }
    for (size_t p = 0; p < publishers; ++p)
      publishers_.push_back(std::make_unique<redis_conn>(io));
  }

  bool connect_all(std::chrono::seconds limit) {
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_));
    for (auto& p : publishers_)
      start(*p, ep, "", false);
    for (size_t i = 0; i < subscribers_.size(); ++i)
      start(*subscribers_[i], ep, resp_command({"SUBSCRIBE", "bench:" + std::to_string(i)}), true,
            i);
    io_.run_for(limit);
    io_.restart();
    return subscribed_ == subscribers_.size() && publishers_ready_ == publishers_.size();
  }

  void exchange(std::chrono::seconds warmup, std::chrono::seconds span) {
    for (size_t i = 0; i < ids_.size(); ++i)
      for (size_t w = 0; w < window_; ++w)
        publish(i);
    io_.run_for(warmup);
    measuring_ = true;
    auto start = clock_type::now();
    io_.run_for(span);
    out_.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
    measuring_ = false;
  }

  void close_all() {
    closing_ = true;
    beast::error_code ec;
    for (auto* list : {&subscribers_, &publishers_})
      for (auto& c : *list)
        c->socket.close(ec);
    io_.run_for(std::chrono::milliseconds(200));
  }

private:
  void start(redis_conn& c, const tcp::endpoint& ep, std::string first, bool subscriber,
             size_t index = 0) {
    c.socket.async_connect(ep, [this, &c, first, subscriber, index](beast::error_code ec) {
      if (ec)
        return out_.fail("redis connect: " + ec.message());
      c.socket.set_option(tcp::no_delay(true));
      if (!first.empty())
        send(c, first);
      else
        publishers_ready_ += 1;
      read(c, subscriber, index);
      settled();
    });
  }

  /// Every connection is up: connect_all's run ends.
  void settled() {
    if (connecting_ && subscribed_ == subscribers_.size() &&
        publishers_ready_ == publishers_.size()) {
      connecting_ = false;
      io_.stop();
    }
  }

  void read(redis_conn& c, bool subscriber, size_t index) {
    c.socket.async_read_some(asio::buffer(c.chunk),
                             [this, &c, subscriber, index](beast::error_code ec, size_t n) {
                               if (ec)
                                 return;  // closed at the end
                               c.in.append(c.chunk.data(), n);
                               std::vector<std::string> items;
                               bool error = false;
                               while (resp_next(c.in, items, error)) {
                                 if (error)
                                   out_.fail("redis: " + items.back());
                                 else if (subscriber)
                                   pushed(index, items);
                               }
                               read(c, subscriber, index);
                             });
  }

  void pushed(size_t index, const std::vector<std::string>& items) {
    if (items.size() == 3 && items[0] == "subscribe") {
      subscribed_ += 1;
      settled();
      return;
    }
    if (items.size() != 3 || items[0] != "message")
      return;
    int64_t t = sent_time(items[2]);
    if (measuring_) {
      out_.frames += 1;
      out_.latencies_ns.push_back(steady_ns() - t);
    }
    publish(index);
  }

  /// Agent `from` sends its partner the frame the gateway would deliver.
  void publish(size_t from) {
    size_t to = from ^ 1;
    auto frame = nlohmann::json{{"type", "offer"},
                                {"to", ids_[to]},
                                {"sdp", filler_},
                                {"t", steady_ns()},
                                {"from", ids_[from]}}
                     .dump();
    send(*publishers_[from % publishers_.size()],
         resp_command({"PUBLISH", "bench:" + std::to_string(to), frame}));
  }

  void send(redis_conn& c, std::string text) {
    c.outbox.push_back(std::move(text));
    if (c.outbox.size() == 1)
      write(c);
  }

  void write(redis_conn& c) {
    asio::async_write(c.socket, asio::buffer(c.outbox.front()),
                      [this, &c](beast::error_code ec, size_t) {
                        if (ec)
                          return closing_ ? void() : out_.fail("redis write: " + ec.message());
                        c.outbox.pop_front();
                        if (!c.outbox.empty())
                          write(c);
                      });
  }

  asio::io_context& io_;
  int port_;
  size_t window_;
  std::string filler_;
  exchange_result& out_;
  std::vector<std::string> ids_;
  std::vector<std::unique_ptr<redis_conn>> subscribers_, publishers_;
  size_t subscribed_ = 0, publishers_ready_ = 0;
  bool connecting_ = true, measuring_ = false, closing_ = false;
};

/// redis-server of the bench's own on a free loopback port, killed at the end.
class redis_server {
public:
  redis_server(const std::string& binary, size_t max_clients) : port_(tessera::testkit::free_port()) {
    pid_ = ::fork();
    if (pid_ == 0) {
      int null = ::open("/dev/null", O_WRONLY);  // its start-up banner is not the bench's output
      ::dup2(null, STDOUT_FILENO);
      auto port = std::to_string(port_), clients = std::to_string(max_clients);
      ::execlp(binary.c_str(), binary.c_str(), "--port", port.c_str(), "--bind", "127.0.0.1",
               "--save", "", "--appendonly", "no", "--maxclients", clients.c_str(),
               "--loglevel", "warning", static_cast<char*>(nullptr));
      std::_Exit(127);
    }
    if (pid_ < 0)
      throw std::runtime_error("cannot fork redis-server");
    // Ready when it accepts a connection.
    for (int i = 0; i < 100; ++i) {
      asio::io_context io;
      tcp::socket s(io);
      beast::error_code ec;
      s.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)}, ec);
      if (!ec)
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error(binary + " did not start on port " + std::to_string(port_));
  }
  ~redis_server() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  int port() const { return port_; }

private:
  int port_;
  pid_t pid_ = -1;
};

}  // namespace tessera::bench::signaling
