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
#include "tools/bench/redis_pubsub.hpp"

namespace {

using namespace tessera::bench;
using namespace tessera::bench::signaling;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
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

  // The gateway: one node, local broker, the WebSocket on the HTTP port with
  // the shipped I/O threads (server.http_threads: 2), limits out of the way
  // (the figure is the relay path, not the limiter refusing).
  auto server = make_server(
      dir.path, 2, server_log_level,
      "signaling:\n  require_contacts: false\n  frames_per_sec: 1000000\n  frame_burst: 1000000\n"
          "  max_connections: " + std::to_string(connections + 100) +
          "\n  auth_timeout: 60s\n  idle_timeout: 10m\n");
  server->start();
  int ws_port = server->port();
  auto limit = std::chrono::seconds(120 + 4 * (seconds + warmup));
  watchdog guard("bench_signaling", limit, clock_type::now() + limit, *server);

  exchange_result gateway, baseline;
  long rss_before = tessera::testkit::rss_kib(server->pid());
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
    long rss_after = tessera::testkit::rss_kib(server->pid());
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
