// bench_agents: many online agents and their signed heartbeats, on a real
// tesserad with SQLite:
//
//   1. `--agents` (100,000) registered agents, written straight into the
//      database before tesserad starts, each brought online by its own signed
//      heartbeat (a session actor each): tesserad's RSS growth per agent;
//   2. `--heartbeats` more signed heartbeats of `--beating` of those agents,
//      each with its own nonce, from one epoll client (raw_load.hpp), after a
//      first beat of each (which earns the hour's reputation credit, a write):
//      heartbeats/s against libsodium verifying the same signatures alone on
//      as many threads as tesserad has I/O threads (the cores its
//      verification can use).
//
// See tools/bench/README.md for how to read them.
#include <CLI/CLI.hpp>
#include <sodium.h>

#include <atomic>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "protocol/agent_card.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/crypto.hpp"
#include "protocol/encoding.hpp"
#include "protocol/http_signature.hpp"
#include "storage/agent_repository.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "tools/bench/bench_support.hpp"
#include "tools/bench/raw_load.hpp"
#include "tools/testkit/tesserad_process.hpp"

namespace {

using namespace tessera::bench;
namespace crypto = tessera::crypto;

constexpr auto time_limit = std::chrono::seconds(280);  // inside the 300 s signature skew

struct options {
  size_t agents = 100000;
  size_t heartbeats = 100000;
  size_t beating = 10000;
  int connections = 32;
  int server_threads = 2;
  std::string server_log_level = "info";
  bool json = false;
};

struct bench_agent {
  crypto::key_pair key;
  std::string id;
};

/// Writes the agents, offline, as registration would have stored them.
void seed(const tessera::config::database_settings& db, const std::vector<bench_agent>& agents) {
  using namespace tessera;
  auto sql = storage::open_session(db, storage::session_role::writer);
  storage::migrate(*sql, storage::dialect::sqlite);
  storage::write_transaction tx(*sql, storage::dialect::sqlite);
  auto now = static_cast<int64_t>(std::time(nullptr)) * 1000;
  for (size_t n = 0; n < agents.size(); ++n) {
    nlohmann::json card = {{"name", "agent-" + std::to_string(n)},
                           {"version", "1.0.0"},
                           {"url", "https://bench.example.com/" + std::to_string(n)},
                           {"protocols", {"a2a"}},
                           {"skills", {{{"id", "echo"}, {"name", "Echo"}}}}};
    agent_record rec;
    rec.id = agents[n].id;
    rec.card = card::sign(card, agents[n].key).dump();
    rec.name = card["name"];
    rec.protocols = {"a2a"};
    rec.skills = {"echo"};
    rec.url = card["url"];
    rec.status = "offline";
    rec.registered_at = rec.updated_at = rec.last_seen = now;
    if (!storage::agents::insert(*sql, rec))
      throw std::runtime_error("seed: duplicate agent id");
  }
  tx.commit();
}

struct signed_heartbeat {
  std::string request;
  std::string base;  // what was signed, for the baseline
  std::string signature;
  const bench_agent* agent;
};

/// One heartbeat of each agent in `order`, each with a fresh nonce.
std::vector<signed_heartbeat> sign_heartbeats(const std::vector<bench_agent>& agents, size_t count,
                                             int64_t created) {
  using namespace tessera;
  std::vector<signed_heartbeat> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const auto& a = agents[i % agents.size()];
    auto path = "/api/v1/agents/" + a.id + "/heartbeat";
    auto nonce = encoding::base64url_encode(crypto::random_bytes(16));
    auto h = http_signature::sign("POST", path, "", "", a.key, a.id, created, nonce);
    signed_heartbeat hb;
    hb.request = raw_request("POST", path,
                             {{"Signature-Input", h.signature_input}, {"Signature", h.signature}});
    // What the server verifies: the components, then the parameters after "sig1=".
    hb.base = http_signature::signature_base({{"@method", "POST"}, {"@path", path}, {"@query", "?"}},
                                             std::string_view(h.signature_input).substr(5));
    hb.signature = h.signature;
    hb.agent = &a;
    out.push_back(std::move(hb));
  }
  return out;
}

/// libsodium alone: every signature verified once, on `threads` threads.
run_result verify_all(const std::vector<signed_heartbeat>& beats, int threads) {
  std::vector<std::vector<unsigned char>> sigs;
  sigs.reserve(beats.size());
  for (const auto& b : beats) {
    // "sig1=:<base64>:"
    auto raw = b.signature.substr(6, b.signature.size() - 7);
    auto decoded = tessera::encoding::base64_decode(raw);
    if (!decoded || decoded->size() != crypto_sign_BYTES)
      throw std::runtime_error("baseline: cannot decode a signature");
    sigs.emplace_back(decoded->begin(), decoded->end());
  }
  std::atomic<size_t> next{0}, bad{0};
  auto start = clock_type::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (size_t i = next++; i < beats.size(); i = next++) {
        const auto& b = beats[i];
        if (crypto_sign_verify_detached(sigs[i].data(),
                                        reinterpret_cast<const unsigned char*>(b.base.data()),
                                        b.base.size(),
                                        reinterpret_cast<const unsigned char*>(b.agent->key.public_key.data())) != 0)
          bad += 1;
      }
    });
  for (auto& t : pool)
    t.join();
  run_result r;
  r.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  r.failed = bad;
  r.ok = beats.size() - bad;
  if (bad)
    r.first_error = "a signature did not verify";
  return r;
}

std::vector<std::string> requests_of(const std::vector<signed_heartbeat>& beats) {
  std::vector<std::string> out;
  out.reserve(beats.size());
  for (const auto& b : beats)
    out.push_back(b.request);
  return out;
}

int run(const options& opt) {
  using tessera::testkit::rss_kib;
  temp_dir dir;
  std::vector<bench_agent> agents(opt.agents);
  for (auto& a : agents) {
    a.key = crypto::generate_key_pair();
    a.id = tessera::agent_id::from_public_key(a.key.public_key);
  }
  tessera::config::database_settings db;
  db.driver = "sqlite";
  db.dsn = (dir.path / "tessera.db").string();
  seed(db, agents);

  auto process = make_server(dir.path, opt.server_threads, opt.server_log_level,
                             "registry:\n  offline_after: 24h\n");
  auto& server = *process;
  server.start(std::chrono::seconds(60));
  auto deadline = clock_type::now() + time_limit;
  watchdog guard("bench_agents", time_limit, deadline, server);
  // Signed once the server runs: it refuses signatures created before its
  // start (it can't know their nonces). Made before timing.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  auto created = static_cast<int64_t>(std::time(nullptr));
  auto online = sign_heartbeats(agents, agents.size(), created);
  std::vector<bench_agent> beating(agents.begin(),
                                   agents.begin() + std::min(opt.beating, agents.size()));
  auto credits = sign_heartbeats(beating, beating.size(), created);
  auto beats = sign_heartbeats(beating, opt.heartbeats, created);

  long before = rss_kib(server.pid());
  auto up = raw_load(server.port(), requests_of(online), opt.connections, 200, deadline);
  std::this_thread::sleep_for(std::chrono::seconds(1));  // the last writes settle
  long after = rss_kib(server.pid());
  double kib_each = static_cast<double>(after - before) / static_cast<double>(agents.size());

  auto warm = raw_load(server.port(), requests_of(credits), opt.connections, 200, deadline);
  auto base = verify_all(beats, opt.server_threads);
  auto hb = raw_load(server.port(), requests_of(beats), opt.connections, 200, deadline);
  comparison heartbeats{"heartbeats", hb.run, base};

  int exit_status = server.stop(SIGTERM, std::chrono::seconds(30));
  bool failed = up.run.errors() || warm.run.errors() || heartbeats.errors() || exit_status != 0;
  if (opt.json) {
    nlohmann::json out = {
        {"agents_online",
         {{"agents", agents.size()}, {"kib_each", kib_each}, {"per_second", up.run.rate()},
          {"errors", up.run.errors()}}},
        {"heartbeats", to_json(heartbeats)},
    };
    out["heartbeats"]["p99_ms"] = hb.percentile(0.99);
    out["heartbeats"]["baseline_threads"] = opt.server_threads;
    out["heartbeats"]["agents"] = beating.size();
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << "agents online: " << agents.size() << " in " << fmt_rate(up.run.rate())
              << ", tesserad RSS " << fmt_ratio(kib_each) << " KiB per agent\n"
              << "heartbeats:    " << fmt_rate(hb.run.rate()) << " (tesserad, "
              << beating.size() << " agents, " << opt.connections << " connections, p99 " << fmt_ratio(hb.percentile(0.99))
              << " ms)  baseline libsodium verify: " << fmt_rate(base.rate()) << " ("
              << opt.server_threads << " threads)  ratio " << fmt_ratio(heartbeats.ratio())
              << "\n";
  }
  print_failures("agents online", up.run);
  print_failures("first heartbeats", warm.run);
  print_failures(heartbeats);
  if (exit_status != 0)
    std::cout << "tesserad exited with status " << exit_status << "\n";
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_agents: online agents' memory and signed heartbeats against libsodium"};
  options opt;
  app.add_option("--agents", opt.agents, "agents brought online")->check(CLI::Range(1, 1000000));
  app.add_option("--heartbeats", opt.heartbeats, "signed heartbeats to measure")
      ->check(CLI::Range(1, 10000000));
  app.add_option("--beating", opt.beating, "agents whose heartbeats are measured")
      ->check(CLI::Range(1, 1000000));
  app.add_option("--connections", opt.connections, "keep-alive connections of the client")
      ->check(CLI::Range(1, 1000));
  app.add_option("--server-threads", opt.server_threads,
                 "tesserad's server.http_threads (and the baseline's verify threads)")
      ->check(CLI::Range(1, 64));
  tessera::bench::add_output_options(app, opt.server_log_level, opt.json);
  CLI11_PARSE(app, argc, argv);
  return tessera::bench::run_guarded("bench_agents", [&] { return run(opt); });
}
