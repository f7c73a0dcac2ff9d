// bench_directory: how fast a real tesserad serves the public directory with
// 100,000 agents in the store, each figure next to a baseline measured in the
// same run against the same server:
//
//   1. a filtered, sorted page (protocol=a2a&min_score=0.6&sort=reputation&limit=20)
//   2. a full-text query (q=<one or two words>, cycling over words of
//      different frequency), default sort, limit 20
//   baseline: GET /api/v1/health (HTTP, middleware, logging; no SQL)
//
// Requests/s and the p50 and p99 latency of each. The agents are written
// straight into the database (storage::agents::insert and scores::record in
// one transaction, as the writer would) before tesserad starts: SQLite in a
// temporary directory, or a fresh database on a PostgreSQL server (dropped
// at the end). See tools/bench/README.md.
#include <CLI/CLI.hpp>
#include <httplib.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "protocol/agent_card.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/crypto.hpp"
#include "protocol/encoding.hpp"
#include "protocol/reputation.hpp"
#include "storage/agent_repository.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "storage/reputation_repository.hpp"
#include "tools/bench/bench_support.hpp"
#include "tools/bench/raw_load.hpp"

namespace {

using namespace tessera::bench;
namespace rep = tessera::reputation;

// Seeding 100,000 agents takes a while (longer on PostgreSQL); the limit
// covers the measured part only.
constexpr auto time_limit = std::chrono::seconds(300);
constexpr int64_t day_ms = 24 * rep::hour_ms;

struct options {
  size_t agents = 100'000;
  size_t requests = 4000;
  int clients = 4;
  int server_threads = 8;
  std::string database = "sqlite";
  std::string postgres_url;
  bool keep_database = false;
  std::string server_log_level = "info";
  bool json = false;
};

// ---------------------------------------------------------------------------
// Seeding: varied names, descriptions, skills, tags, protocols, times and
// event histories, so filters and search select realistic fractions.

const std::vector<std::string> adjectives = {
    "Swift",  "Quiet",  "Bright", "Clever", "Steady", "Nimble", "Bold",   "Calm",
    "Keen",   "Lucid",  "Prime",  "Rapid",  "Silent", "Solid",  "Sharp",  "Vivid",
    "Noble",  "Agile",  "Brisk",  "Candid", "Eager",  "Frank",  "Gentle", "Humble"};
const std::vector<std::string> nouns = {
    "Ledger",  "Scribe", "Oracle", "Courier", "Analyst", "Pilot",  "Curator", "Tutor",
    "Broker",  "Warden", "Herald", "Scout",   "Mentor",  "Keeper", "Clerk",   "Ranger",
    "Steward", "Sage",   "Forge",  "Beacon",  "Harbor",  "Atlas",  "Vector",  "Signal"};
const std::vector<std::string> verbs = {
    "translate", "summarize", "classify", "forecast", "reconcile", "schedule", "transcribe",
    "extract",   "review",    "audit",    "monitor",  "route",     "search",   "draft",
    "analyze",   "index",     "render",   "validate", "optimize",  "negotiate"};
const std::vector<std::string> objects = {
    "invoices", "contracts", "emails",  "tickets", "reports", "images", "recipes",
    "weather",  "shipments", "lessons", "claims",  "code",    "tweets", "receipts",
    "podcasts", "leases",    "surveys", "orders",  "patents", "menus"};
const std::vector<std::string> domains = {
    "finance", "legal",   "health",  "travel",    "retail", "education", "logistics",
    "media",   "science", "support", "insurance", "energy", "gaming",    "security",
    "hr",      "real-estate", "agriculture", "government", "sports", "music"};
const std::vector<std::string> protocols = {"a2a", "mcp", "acp", "http"};

// Event kinds a history draws from, weighted toward the common ones.
const std::vector<rep::event_kind> history_kinds = {
    rep::event_kind::heartbeat_kept,      rep::event_kind::heartbeat_kept,
    rep::event_kind::call_success,        rep::event_kind::call_success,
    rep::event_kind::call_success,        rep::event_kind::call_error,
    rep::event_kind::call_timeout,        rep::event_kind::heartbeat_missed,
    rep::event_kind::verification_passed, rep::event_kind::verification_failed,
    rep::event_kind::review_positive,     rep::event_kind::review_negative};

template <class T>
const T& pick(std::mt19937_64& rng, const std::vector<T>& from) {
  return from[rng() % from.size()];
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// One agent's signed card and record, like a registration would store.
tessera::agent_record make_agent(std::mt19937_64& rng, size_t n, int64_t now) {
  using namespace tessera;
  auto key = crypto::generate_key_pair();
  const auto& domain = pick(rng, domains);
  auto name = pick(rng, adjectives) + " " + pick(rng, nouns) + " " + std::to_string(n);
  nlohmann::json skills = nlohmann::json::array();
  std::vector<std::string> skill_ids;
  for (size_t s = 0, count = 1 + rng() % 4; s < count; ++s) {
    auto verb = pick(rng, verbs), object = pick(rng, objects);
    auto id = verb + "-" + object;
    if (std::find(skill_ids.begin(), skill_ids.end(), id) != skill_ids.end())
      continue;
    skill_ids.push_back(id);
    skills.push_back({{"id", id}, {"name", verb + " " + object}, {"tags", {domain}}});
  }
  std::vector<std::string> tags = {domain};
  for (size_t t = 0, count = rng() % 3; t < count; ++t) {
    const auto& tag = pick(rng, domains);
    if (std::find(tags.begin(), tags.end(), tag) == tags.end())
      tags.push_back(tag);
  }
  std::vector<std::string> protos;
  for (const auto& p : protocols)
    if (rng() % 100 < (p == "a2a" ? 50u : 25u))
      protos.push_back(p);
  if (protos.empty())
    protos.push_back(pick(rng, protocols));
  std::string description = "Helps " + domain + " teams " + pick(rng, verbs) + " " +
                            pick(rng, objects) + " and " + pick(rng, verbs) + " " +
                            pick(rng, objects) + ".";
  nlohmann::json card = {{"name", name},
                         {"description", description},
                         {"version", "1.0.0"},
                         {"url", "https://agents.example.com/" + std::to_string(n)},
                         {"protocols", protos},
                         {"skills", skills},
                         {"tags", tags}};
  // Signed like a registered card (its size is what the profile serves);
  // the record holds what card::parse would index from it (each skill's tag
  // is the agent's domain, already among its tags).
  agent_record rec;
  rec.id = agent_id::from_public_key(key.public_key);
  rec.card = card::sign(card, key).dump();
  rec.name = name;
  rec.protocols = protos;
  rec.skills = skill_ids;
  rec.tags = tags;
  rec.url = card["url"];
  rec.status = rng() % 100 < 30 ? "online" : "offline";
  rec.registered_at = now - static_cast<int64_t>(rng() % (365 * day_ms));
  rec.updated_at = rec.registered_at;
  rec.last_seen = rec.registered_at;
  return rec;
}

/// Writes `count` agents and their event histories in one transaction, the
/// rank keys as the running server would leave them.
void seed(const tessera::config::database_settings& db, size_t count) {
  using namespace tessera;
  auto sql = storage::open_session(db, storage::session_role::writer);
  auto dialect = storage::dialect_of(db);
  storage::migrate(*sql, dialect);
  rep::reputation_params params;  // the server runs with the defaults
  std::mt19937_64 rng(20261122);
  int64_t now = wall_ms();
  {
    storage::write_transaction tx(*sql, dialect);
    for (size_t n = 0; n < count; ++n) {
      auto rec = make_agent(rng, n, now);
      if (!storage::agents::insert(*sql, rec))
        throw std::runtime_error("seed: duplicate agent id");
      auto state = rep::initial_state(params);
      int64_t at = rec.registered_at;
      std::vector<rep::event_kind> history = {rep::event_kind::registered};
      for (size_t e = 0, events = rng() % 6; e < events; ++e)
        history.push_back(pick(rng, history_kinds));
      for (auto kind : history) {
        auto applied = rep::apply(state, kind, at, params);
        if (applied.credited) {
          state = applied.state;
          reputation_change c{rec.id,        std::string(rep::to_string(kind)), at,
                              applied.score_before, applied.score_after,         state,
                              rep::rank_of(state, params)};
          storage::scores::record(*sql, c);
        }
        at = std::min(now, at + static_cast<int64_t>(rng() % (10 * day_ms)));
      }
    }
    tx.commit();
  }
  // Remembers the params the keys were made with, so tesserad's start-up
  // has nothing to recompute.
  storage::scores::ensure_rank(*sql, params);
  // A directory of 100,000 agents in service has been vacuumed and analysed
  // long since; one loaded a moment ago has not (PostgreSQL would set hint
  // bits, and autovacuum would analyse, during the first measured turns).
  if (dialect == storage::dialect::postgres)
    *sql << "VACUUM (ANALYZE)";
  else
    *sql << "ANALYZE";
}

// ---------------------------------------------------------------------------
// PostgreSQL: a database of the bench's own on the given server.

/// `url` (a postgres:// URL or a libpq conninfo) with its database replaced by `name`.
std::string with_database(const std::string& url, const std::string& name) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos)
    return url + " dbname=" + name;  // in a conninfo the last dbname wins
  auto path = url.find('/', scheme + 3);
  auto query = url.find('?', scheme + 3);
  auto host_end = std::min(path, query);
  std::string rest = query == std::string::npos ? "" : url.substr(query);
  return url.substr(0, host_end) + "/" + name + rest;
}

/// SOCI's PostgreSQL backend mangles a URL without a query (its path is
/// read as a "key="), so one gets the timeout tesserad adds too.
std::string with_query(const std::string& url) {
  bool is_url = url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0;
  return is_url && url.find('?') == std::string::npos ? url + "?connect_timeout=10" : url;
}

class pg_database {
public:
  pg_database(const std::string& url, bool keep) : url_(with_query(url)), keep_(keep) {
    name_ = "tessera_bench_" + tessera::encoding::hex_encode(tessera::crypto::random_bytes(6));
    soci::session sql(*soci::factory_postgresql(), url_);
    sql << "CREATE DATABASE " + name_;
    dsn_ = with_database(url_, name_);
  }
  ~pg_database() {
    if (keep_) {
      std::cerr << "bench_directory: kept the database " << name_ << "\n";
      return;
    }
    try {
      soci::session sql(*soci::factory_postgresql(), url_);
      sql << "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)";
    } catch (const std::exception& e) {
      std::cerr << "bench_directory: could not drop " << name_ << ": " << e.what() << "\n";
    }
  }
  const std::string& dsn() const { return dsn_; }

private:
  std::string url_, name_, dsn_;
  bool keep_ = false;
};

std::unique_ptr<tessera::testkit::tesserad_process> make_directory_server(
    const fs::path& dir, const options& opt, const tessera::config::database_settings& db) {
  auto port = tessera::testkit::free_port();
  auto config = dir / "tessera.yaml";
  std::ofstream out(config);
  // JSON strings are YAML strings: the DSN needs no escaping of its own.
  out << "server:\n"
      << "  http_addr: \"127.0.0.1:" << port << "\"\n"
      << "  http_threads: " << opt.server_threads << "\n"
      << "database:\n"
      << "  driver: " << db.driver << "\n"
      << "  dsn: " << nlohmann::json(db.dsn).dump() << "\n"
      << "registry:\n"  // the seeded online agents must not all lapse mid-run
      << "  offline_after: 24h\n"
      << "rate_limit:\n"
      << "  enabled: false\n"
      << "logging:\n"
      << "  level: " << opt.server_log_level << "\n";
  return std::make_unique<tessera::testkit::tesserad_process>(config, dir / "tesserad.log", port);
}

// ---------------------------------------------------------------------------
// Measuring: requests/s and latency percentiles, in turns.

struct figure {
  run_result run;
  std::vector<double> latency_ms;  // one per answered request
  double percentile(double p) const {
    if (latency_ms.empty())
      return 0;
    auto sorted = latency_ms;
    std::sort(sorted.begin(), sorted.end());
    auto at = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
    return sorted[std::min(at, sorted.size() - 1)];
  }
};

// Each figure is measured in this many turns, taking turns with the others,
// so a machine that gets busier during the run moves all of them alike.
constexpr size_t turns = 4;

/// `count` GETs of targets[i % size] with opt.clients clients; every answer
/// must be 200 with at least one agent when `need_agents`.
void measure_turn(int port, const options& opt, const std::vector<std::string>& targets,
                  size_t first, size_t count, bool need_agents, clock_type::time_point deadline,
                  figure& out) {
  std::vector<std::string> requests;
  requests.reserve(count);
  for (size_t i = 0; i < count; ++i)
    requests.push_back(raw_request("GET", targets[(first + i) % targets.size()], {}));
  // An empty page measures nothing: it counts as failed.
  auto answered = raw_load(port, requests, opt.clients, 200, deadline, [&](std::string_view body) {
    return !need_agents || body.find("\"agents\":[]") == std::string_view::npos;
  });
  const auto& r = answered.run;
  out.latency_ms.insert(out.latency_ms.end(), answered.latencies_ms.begin(),
                        answered.latencies_ms.end());
  out.run.ok += r.ok;
  out.run.failed += r.failed;
  out.run.unsent += r.unsent;
  out.run.seconds += r.seconds;
  if (out.run.first_error.empty())
    out.run.first_error = r.first_error;
}

/// What the health monitor saw while the directory was under load.
struct health_watch {
  size_t answers = 0, unavailable = 0, slow = 0;
  std::string first_error;
};

struct report {
  figure health, filtered, search;
  size_t errors() const {
    return health.run.errors() + filtered.run.errors() + search.run.errors();
  }
};

std::string fmt_ms(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f ms", ms);
  return buf;
}

void print_text(const options& opt, double seed_seconds, const report& r) {
  std::cout << "seeded " << opt.agents << " agents into " << opt.database << " in "
            << fmt_ratio(seed_seconds) << " s\n";
  auto line = [&](const char* name, const figure& f) {
    std::cout << name << fmt_rate(f.run.rate()) << "  p50 " << fmt_ms(f.percentile(0.5))
              << "  p99 " << fmt_ms(f.percentile(0.99));
    if (&f != &r.health)
      std::cout << "  ratio to health " << fmt_ratio(r.health.run.rate() > 0
                                                         ? f.run.rate() / r.health.run.rate()
                                                         : 0);
    std::cout << "\n";
  };
  line("health (baseline):  ", r.health);
  line("filtered page:      ", r.filtered);
  line("full-text query:    ", r.search);
  print_failures("health", r.health.run);
  print_failures("filtered page", r.filtered.run);
  print_failures("full-text query", r.search.run);
}

nlohmann::json to_json(const figure& f, const figure& baseline) {
  auto j = tessera::bench::to_json(f.run);
  j["p50_ms"] = f.percentile(0.5);
  j["p99_ms"] = f.percentile(0.99);
  if (&f != &baseline)
    j["ratio"] = baseline.run.rate() > 0 ? f.run.rate() / baseline.run.rate() : 0;
  if (!f.run.first_error.empty())
    j["first_error"] = f.run.first_error;
  return j;
}

int run(const options& opt) {
  temp_dir dir;
  std::unique_ptr<pg_database> pg;
  tessera::config::database_settings db;
  db.driver = opt.database;
  if (opt.database == "postgres") {
    if (opt.postgres_url.empty())
      throw std::runtime_error("--database postgres needs --postgres-url");
    pg = std::make_unique<pg_database>(opt.postgres_url, opt.keep_database);
    db.dsn = pg->dsn();
  } else {
    db.dsn = (dir.path / "tessera.db").string();
  }

  auto seed_start = clock_type::now();
  seed(db, opt.agents);
  double seed_seconds = std::chrono::duration<double>(clock_type::now() - seed_start).count();

  auto server_process = make_directory_server(dir.path, opt, db);
  auto& server = *server_process;
  server.start(std::chrono::seconds(60));
  auto deadline = clock_type::now() + time_limit;
  watchdog guard("bench_directory", time_limit, deadline, server);

  const std::vector<std::string> health = {"/api/v1/health"};
  const std::vector<std::string> filtered = {
      "/api/v1/directory?protocol=a2a&min_score=0.6&sort=reputation&limit=20"};
  // Words of different frequency: a domain (~5-15% of agents), a skill
  // object, a verb pair, a name word; the default sort (reputation).
  std::vector<std::string> searches;
  for (const char* q : {"invoices", "legal", "forecast+weather", "Ledger", "audit+contracts",
                        "travel+schedule", "podcasts", "Nimble"})
    searches.push_back(std::string("/api/v1/directory?limit=20&q=") + q);

  // A busy component must not read as a dead one: while the directory is
  // under load, a monitor asks for health every 50 ms; any 503 fails the run.
  std::atomic<bool> measuring{true};
  health_watch monitor;
  std::thread watcher([&] {
    httplib::Client cli("127.0.0.1", server.port());
    cli.set_read_timeout(std::chrono::seconds(5));
    while (measuring) {
      auto res = cli.Get("/api/v1/health");
      monitor.answers += 1;
      if (!res || res->status != 200) {
        monitor.unavailable += 1;
        if (monitor.first_error.empty())
          monitor.first_error = res ? std::to_string(res->status) + " " + res->body : "no answer";
      } else if (res->body.find("\"slow\"") != std::string::npos) {
        monitor.slow += 1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  report r;
  for (size_t t = 0; t < turns; ++t) {
    size_t first = opt.requests * t / turns, count = opt.requests * (t + 1) / turns - first;
    measure_turn(server.port(), opt, health, first, count, false, deadline, r.health);
    measure_turn(server.port(), opt, filtered, first, count, true, deadline, r.filtered);
    measure_turn(server.port(), opt, searches, first, count, true, deadline, r.search);
  }
  measuring = false;
  watcher.join();

  int exit_status = server.stop(SIGTERM, std::chrono::seconds(10));
  if (opt.json) {
    nlohmann::json out = {{"agents", opt.agents},
                          {"database", opt.database},
                          {"clients", opt.clients},
                          {"server_threads", opt.server_threads},
                          {"seed_seconds", seed_seconds},
                          {"health", to_json(r.health, r.health)},
                          {"filtered_page", to_json(r.filtered, r.health)},
                          {"full_text", to_json(r.search, r.health)},
                          {"health_under_load",
                           {{"answers", monitor.answers},
                            {"unavailable", monitor.unavailable},
                            {"slow", monitor.slow}}},
                          {"errors", r.errors() + monitor.unavailable}};
    std::cout << out.dump(2) << "\n";
  } else {
    print_text(opt, seed_seconds, r);
    std::cout << "health under load:  " << monitor.answers << " answers, " << monitor.unavailable
              << " not 200, " << monitor.slow << " reporting a slow component\n";
    if (monitor.unavailable)
      std::cout << "health under load: first failure: " << monitor.first_error.substr(0, 300)
                << "\n";
  }
  if (exit_status != 0) {
    std::cerr << "bench_directory: tesserad exited with status " << exit_status << "\n"
              << server.log().substr(0, 4000);
    return 1;
  }
  return r.errors() == 0 && monitor.unavailable == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_directory: directory pages and full-text search over 100,000 agents"};
  options opt;
  app.add_option("--agents", opt.agents, "agents seeded into the database")
      ->check(CLI::Range(size_t{100}, size_t{10'000'000}));
  app.add_option("--requests", opt.requests, "requests per figure")
      ->check(CLI::Range(size_t{4}, size_t{10'000'000}));
  app.add_option("--clients", opt.clients, "concurrent keep-alive clients")
      ->check(CLI::Range(1, 256));
  app.add_option("--server-threads", opt.server_threads, "tesserad's server.http_threads")
      ->check(CLI::Range(1, 256));
  app.add_option("--database", opt.database, "where the agents live")
      ->check(CLI::IsMember({"sqlite", "postgres"}));
  app.add_flag("--keep-database", opt.keep_database,
               "PostgreSQL: keep the seeded database (its name goes to stderr) to study plans");
  app.add_option("--postgres-url", opt.postgres_url,
                 "a PostgreSQL server (postgres:// URL or libpq conninfo) on which the bench "
                 "creates, and then drops, a database of its own");
  tessera::bench::add_output_options(app, opt.server_log_level, opt.json);
  CLI11_PARSE(app, argc, argv);
  return tessera::bench::run_guarded("bench_directory", [&] { return run(opt); });
}
