// bench_signaling: N agents connected to a real tesserad over WebSocket, in
// pairs, each keeping `--window` frames in flight to its partner through the
// gateway (closed loop: every frame received is answered by a new one), next
// to the same pattern through Redis pub/sub alone, measured in the same run:
//
//   gateway   agent -> WebSocket -> signaling_peer (limits, parse, "from")
//             -> signaling_hub -> signaling_peer -> WebSocket -> partner
//   baseline  agent -> PUBLISH bench:<partner> (a shared publisher connection)
//             -> Redis -> the partner's own SUBSCRIBE connection
//
// Frames per second, p50 and p99 one-way latency (send to receipt, the same
// steady clock on both ends), the time to connect and authenticate every
// agent, and tesserad's resident memory per connection (VmRSS after all are
// authenticated minus before, over N). The agents are written straight into
// the database before tesserad starts; the baseline's frames are the frames
// the gateway delivers (same size). One client thread drives both, so the
// client's cost is the same on each side. See tools/bench/README.md.
#include <utility>  // before asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <sys/resource.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <fstream>
#include <random>

#include "protocol/agent_card.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/encoding.hpp"
#include "protocol/signal_frame.hpp"
#include "storage/agent_repository.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "tools/bench/bench_support.hpp"

namespace {

using namespace tessera::bench;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct agent_key {
  std::string id;
  tessera::crypto::key_pair key;
};

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             clock_type::now().time_since_epoch())
      .count();
}

/// Registers `count` agents straight into a SQLite database (as the writer would).
std::vector<agent_key> seed(const tessera::config::database_settings& db, size_t count) {
  using namespace tessera;
  auto sql = storage::open_session(db, storage::session_role::writer);
  auto dialect = storage::dialect_of(db);
  storage::migrate(*sql, dialect);
  std::vector<agent_key> keys;
  int64_t now = wall_ms();
  storage::write_transaction tx(*sql, dialect);
  for (size_t n = 0; n < count; ++n) {
    agent_key k{"", crypto::generate_key_pair()};
    k.id = agent_id::from_public_key(k.key.public_key);
    nlohmann::json card = {{"name", "Bench agent " + std::to_string(n)},
                           {"description", "Signals its partner."},
                           {"version", "1.0.0"},
                           {"url", "https://agents.example.com/" + std::to_string(n)},
                           {"protocols", {"a2a"}},
                           {"skills", nlohmann::json::array()}};
    agent_record rec;
    rec.id = k.id;
    rec.card = card::sign(card, k.key).dump();
    rec.name = card["name"];
    rec.protocols = {"a2a"};
    rec.url = card["url"];
    rec.registered_at = rec.updated_at = rec.last_seen = now;
    if (!storage::agents::insert(*sql, rec))
      throw std::runtime_error("seed: duplicate agent id");
    keys.push_back(std::move(k));
  }
  tx.commit();
  return keys;
}

/// Resident memory of a process, in KiB (VmRSS), or 0.
long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stol(line.substr(6));
  return 0;
}

/// Lets this process (and the tesserad and redis-server it starts) hold
/// every connection: the soft open-files limit up to the hard one.
void raise_open_files() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &r);
  }
}

/// The frame an agent sends: an offer to its partner carrying the send time.
std::string offer_frame(const std::string& to, const std::string& sdp, int64_t sent_ns) {
  return nlohmann::json{{"type", "offer"}, {"to", to}, {"sdp", sdp}, {"t", sent_ns}}.dump();
}

/// The send time inside a received frame ("t":<ns>), or -1.
int64_t sent_time(std::string_view text) {
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

// ---------------------------------------------------------------------------
// The gateway side: one async WebSocket client per agent.

struct ws_agent {
  explicit ws_agent(asio::io_context& io) : ws(io) {}
  websocket::stream<beast::tcp_stream> ws;
  beast::flat_buffer buffer;
  std::deque<std::string> outbox;  // one async_write at a time
  std::string id, partner;
  const tessera::crypto::key_pair* key = nullptr;
  bool authenticated = false;
};

class gateway_run {
public:
  gateway_run(asio::io_context& io, int port, const std::vector<agent_key>& keys, size_t window,
              std::string sdp, exchange_result& out)
      : io_(io), port_(port), window_(window), sdp_(std::move(sdp)), out_(out) {
    for (size_t i = 0; i < keys.size(); ++i) {
      auto a = std::make_unique<ws_agent>(io);
      a->id = keys[i].id;
      a->partner = keys[i ^ 1].id;
      a->key = &keys[i].key;
      agents_.push_back(std::move(a));
    }
  }

  /// Connects and authenticates every agent, at most `parallel` handshakes at once.
  bool connect_all(size_t parallel, std::chrono::seconds limit) {
    for (size_t i = 0; i < std::min(parallel, agents_.size()); ++i)
      connect_next();
    io_.run_for(limit);
    io_.restart();
    return ready_ == agents_.size();
  }
  size_t ready() const { return ready_; }

  void exchange(std::chrono::seconds warmup, std::chrono::seconds span) {
    measuring_ = false;
    for (auto& a : agents_)
      for (size_t w = 0; w < window_; ++w)
        send(*a, offer_frame(a->partner, sdp_, steady_ns()));
    io_.run_for(warmup);
    measuring_ = true;
    auto start = clock_type::now();
    io_.run_for(span);
    out_.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
    measuring_ = false;
  }

  void close_all() {
    closing_ = true;  // reads and writes cut short from here on are not errors
    for (auto& a : agents_) {
      beast::error_code ec;
      a->ws.next_layer().socket().shutdown(tcp::socket::shutdown_both, ec);
      a->ws.next_layer().socket().close(ec);
    }
    io_.run_for(std::chrono::milliseconds(200));
  }

private:
  void connect_next() {
    if (next_ >= agents_.size())
      return;
    auto& a = *agents_[next_++];
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_));
    a.ws.next_layer().expires_after(std::chrono::seconds(30));
    a.ws.next_layer().async_connect(ep, [this, &a](beast::error_code ec) {
      if (ec)
        return handshake_failed("connect: " + ec.message());
      a.ws.next_layer().expires_never();
      a.ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
      a.ws.async_handshake("127.0.0.1", "/api/v1/signaling", [this, &a](beast::error_code ec) {
        if (ec)
          return handshake_failed("upgrade: " + ec.message());
        read(a);
      });
    });
  }

  void handshake_failed(std::string why) {
    out_.fail(std::move(why));
    failed_ += 1;
    connect_next();
    settled();
  }

  /// Every agent authenticated or failed: connect_all's run ends (pending
  /// reads would keep the loop running until its limit otherwise).
  void settled() {
    if (ready_ + failed_ == agents_.size())
      io_.stop();
  }

  void read(ws_agent& a) {
    a.ws.async_read(a.buffer, [this, &a](beast::error_code ec, size_t) {
      if (ec) {
        if (closing_)
          return;
        if (!a.authenticated)
          return handshake_failed("before auth: " + ec.message());
        return out_.fail("read: " + ec.message());
      }
      std::string text = beast::buffers_to_string(a.buffer.data());
      a.buffer.consume(a.buffer.size());
      if (a.authenticated)
        received(a, text);
      else
        handshake_step(a, text);
      read(a);
    });
  }

  void handshake_step(ws_agent& a, const std::string& text) {
    auto frame = nlohmann::json::parse(text, nullptr, false);
    auto type = frame.is_object() ? frame.value("type", "") : "";
    if (type == "challenge") {
      auto message = tessera::signal::auth_message(frame.value("nonce", ""), a.id);
      auto signature = tessera::crypto::sign(a.key->secret_key, message);
      send(a, nlohmann::json{{"type", "auth"},
                             {"agent_id", a.id},
                             {"signature", tessera::encoding::base64url_encode(signature)}}
                  .dump());
    } else if (type == "config") {
      a.authenticated = true;
      ready_ += 1;
      connect_next();
      settled();
    } else {
      handshake_failed("handshake: " + text.substr(0, 200));
    }
  }

  void received(ws_agent& a, const std::string& text) {
    int64_t t = sent_time(text);
    if (t < 0)
      return out_.fail("unexpected frame: " + text.substr(0, 200));
    if (measuring_) {
      out_.frames += 1;
      out_.latencies_ns.push_back(steady_ns() - t);
    }
    send(a, offer_frame(a.partner, sdp_, steady_ns()));
  }

  void send(ws_agent& a, std::string text) {
    a.outbox.push_back(std::move(text));
    if (a.outbox.size() == 1)
      write(a);
  }

  void write(ws_agent& a) {
    a.ws.async_write(asio::buffer(a.outbox.front()), [this, &a](beast::error_code ec, size_t) {
      if (ec)
        return closing_ ? void() : out_.fail("write: " + ec.message());
      a.outbox.pop_front();
      if (!a.outbox.empty())
        write(a);
    });
  }

  asio::io_context& io_;
  int port_;
  size_t window_;
  std::string sdp_;
  exchange_result& out_;
  std::vector<std::unique_ptr<ws_agent>> agents_;
  size_t next_ = 0, ready_ = 0, failed_ = 0;
  bool measuring_ = false, closing_ = false;
};

// ---------------------------------------------------------------------------
// The baseline: Redis pub/sub alone, spoken in RESP over asio.

std::string resp_command(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args)
    out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

/// Parses one RESP value off the front of `buf` (arrays of bulk strings and
/// integers, simple strings, errors); false when it isn't complete yet.
bool resp_next(std::string& buf, std::vector<std::string>& items, bool& error) {
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

int run(int argc, char** argv) {
  CLI::App app{"bench_signaling: signaling relay through tesserad vs Redis pub/sub"};
  size_t connections = 1000, window = 1, payload = 200, publishers = 16;
  int seconds = 10, warmup = 2;
  std::string redis_binary = "redis-server", server_log_level = "warn";
  bool json = false;
  app.add_option("--connections", connections, "agents connected (even, >= 2)")
      ->check(CLI::Range(2, 50'000));
  app.add_option("--window", window, "frames each agent keeps in flight")->check(CLI::Range(1, 64));
  app.add_option("--payload", payload, "bytes of the offer's sdp field")
      ->check(CLI::Range(1, 60'000));
  app.add_option("--seconds", seconds, "measured span of each side")->check(CLI::Range(1, 600));
  app.add_option("--warmup", warmup, "unmeasured span before it")->check(CLI::Range(0, 60));
  app.add_option("--publishers", publishers, "baseline: shared PUBLISH connections")
      ->check(CLI::Range(1, 1024));
  app.add_option("--redis-server", redis_binary, "the redis-server binary for the baseline");
  add_output_options(app, server_log_level, json);
  CLI11_PARSE(app, argc, argv);
  connections &= ~size_t{1};

  raise_open_files();
  temp_dir dir;
  tessera::config::database_settings db;
  db.driver = "sqlite";
  db.dsn = (dir.path / "tessera.db").string();
  auto keys = seed(db, connections);
  std::string sdp(payload, 'x');

  // The gateway: one node, local broker, limits out of the way (the figure is
  // the relay path, not the limiter refusing).
  int ws_port = tessera::testkit::free_port();
  auto server = make_server(
      dir.path, 8, server_log_level,
      "signaling:\n  ws_addr: \"127.0.0.1:" + std::to_string(ws_port) +
          "\"\n  require_contacts: false\n  frames_per_sec: 1000000\n  frame_burst: 1000000\n"
          "  max_connections: " + std::to_string(connections + 100) +
          "\n  auth_timeout: 60s\n  idle_timeout: 10m\n");
  server->start();
  auto limit = std::chrono::seconds(120 + 4 * (seconds + warmup));
  watchdog guard("bench_signaling", limit, clock_type::now() + limit, *server);

  exchange_result gateway, baseline;
  long rss_before = rss_kib(server->pid());
  double connect_seconds = 0;
  size_t ready = 0;
  {
    asio::io_context io(1);
    gateway_run g(io, ws_port, keys, window, sdp, gateway);
    auto start = clock_type::now();
    bool all = g.connect_all(256, std::chrono::seconds(120));
    connect_seconds = std::chrono::duration<double>(clock_type::now() - start).count();
    ready = g.ready();
    if (!all)
      gateway.fail("only " + std::to_string(ready) + " of " + std::to_string(connections) +
                   " agents authenticated");
    long rss_after = rss_kib(server->pid());
    gateway.latencies_ns.reserve(1 << 20);
    if (all)
      g.exchange(std::chrono::seconds(warmup), std::chrono::seconds(seconds));
    g.close_all();
    rss_before = rss_after - rss_before;  // the growth, in KiB
  }
  int stopped = server->stop();

  {
    redis_server redis(redis_binary, connections + publishers + 100);
    asio::io_context io(1);
    redis_run r(io, redis.port(), keys, publishers, window, sdp, baseline);
    if (!r.connect_all(std::chrono::seconds(120)))
      baseline.fail("not every subscriber subscribed");
    else
      r.exchange(std::chrono::seconds(warmup), std::chrono::seconds(seconds));
    r.close_all();
  }

  double per_conn_kib = ready ? static_cast<double>(rss_before) / ready : 0;
  double ratio = baseline.rate() > 0 ? gateway.rate() / baseline.rate() : 0;
  if (json) {
    auto side = [](exchange_result& r) {
      return nlohmann::json{{"frames", r.frames},
                            {"seconds", r.seconds},
                            {"per_second", r.rate()},
                            {"p50_ms", r.percentile_ms(0.5)},
                            {"p99_ms", r.percentile_ms(0.99)},
                            {"errors", r.errors},
                            {"first_error", r.first_error}};
    };
    std::cout << nlohmann::json{{"connections", connections},
                                {"window", window},
                                {"payload", payload},
                                {"connect_seconds", connect_seconds},
                                {"memory_per_connection_kib", per_conn_kib},
                                {"tesserad", side(gateway)},
                                {"baseline_redis_pubsub", side(baseline)},
                                {"ratio", ratio}}
                     .dump(2)
              << "\n";
  } else {
    char line[512];
    std::snprintf(line, sizeof line,
                  "connections: %zu authenticated in %.1f s; tesserad memory %.1f KiB per connection\n"
                  "gateway: %s frames, p50 %.2f ms, p99 %.2f ms  baseline redis pub/sub: %s, "
                  "p50 %.2f ms, p99 %.2f ms  ratio %s\n",
                  ready, connect_seconds, per_conn_kib, fmt_rate(gateway.rate()).c_str(),
                  gateway.percentile_ms(0.5), gateway.percentile_ms(0.99),
                  fmt_rate(baseline.rate()).c_str(), baseline.percentile_ms(0.5),
                  baseline.percentile_ms(0.99), fmt_ratio(ratio).c_str());
    std::cout << line;
    for (auto* r : {&gateway, &baseline})
      if (r->errors)
        std::cout << (r == &gateway ? "gateway" : "baseline") << ": " << r->errors
                  << " errors; first: " << r->first_error << "\n";
  }
  return gateway.errors || baseline.errors || stopped != 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  return run_guarded("bench_signaling", [&] { return run(argc, argv); });
}
