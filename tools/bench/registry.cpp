// bench_registry: how fast a real tesserad registers and serves agents, each
// figure next to a baseline measured in the same run on the same machine:
//
//   1. signed registrations/s (POST /api/v1/agents, N keep-alive clients)
//      vs. single-threaded SQLite inserts of the same rows, one transaction
//      each, with the writer's PRAGMAs (WAL, synchronous=FULL);
//   2. GET /api/v1/agents/{id} requests/s (same clients)
//      vs. a bare httplib::Server answering a static copy of a real response
//      with as many worker threads as tesserad has.
//
// Everything runs on loopback; tesserad runs on a temporary SQLite database
// that is removed at the end. See tools/bench/README.md for how to read it.
#include <CLI/CLI.hpp>
#include <httplib.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <chrono>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "protocol/agent_card.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/crypto.hpp"
#include "protocol/encoding.hpp"
#include "protocol/http_signature.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "tools/bench/bench_support.hpp"
#include "tools/bench/raw_load.hpp"

namespace {

using namespace tessera::bench;
using tessera::crypto::key_pair;

// The whole run must end within this; signed requests are made before the
// run starts, so it must also stay well inside the server's 300 s skew.
constexpr auto time_limit = std::chrono::seconds(120);
const std::string agents_path = "/api/v1/agents";

struct options {
  size_t registrations = 2000;
  size_t gets = 20000;
  int clients = 4;
  int server_threads = 8;
  std::string server_log_level = "info";
  bool json = false;
};

// ---------------------------------------------------------------------------
// Requests prepared before timing, so client-side crypto is not measured.

struct prepared_registration {
  std::string id;
  std::string body;  // the signed card
  httplib::Headers headers;
  tessera::card::agent_card card;  // what the server will index (for the baseline)
};

nlohmann::json bench_card(size_t n) {
  auto s = std::to_string(n);
  return {{"name", "bench-" + s},
          {"version", "1.0.0"},
          {"url", "https://bench.example.com/" + s},
          {"protocols", {"a2a"}},
          {"skills", {{{"id", "echo"}, {"name", "Echo"}, {"tags", {"util"}}}}},
          {"tags", {"bench"}}};
}

prepared_registration prepare_registration(size_t n, int64_t created) {
  using namespace tessera;
  key_pair key = crypto::generate_key_pair();
  prepared_registration out;
  out.id = agent_id::from_public_key(key.public_key);
  auto signed_card = card::sign(bench_card(n), key);
  out.body = signed_card.dump();
  // Nonces must be unique per agent; random ones are.
  auto nonce = encoding::base64url_encode(crypto::random_bytes(16));
  auto h = http_signature::sign("POST", agents_path, "", out.body, key, out.id, created, nonce);
  out.headers = {{"Signature-Input", h.signature_input},
                 {"Signature", h.signature},
                 {"Content-Digest", h.content_digest}};
  // The baseline inserts exactly the terms the server derives from the card.
  problem err;
  auto parsed = card::parse(signed_card, err);
  if (!parsed)
    throw std::runtime_error("bench card does not validate: " + err.message);
  out.card = std::move(*parsed);
  return out;
}

std::vector<prepared_registration> prepare_registrations(size_t count) {
  // One `created` for all: the run is bounded far below the server's skew.
  auto created = static_cast<int64_t>(std::time(nullptr));
  std::vector<prepared_registration> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i)
    out.push_back(prepare_registration(i, created));
  return out;
}

/// Sends every prepared registration from one epoll client (raw_load.hpp);
/// `registered` gets the ids sent (each must answer 201, else the run fails).
run_result register_all(int port, int clients, const std::vector<prepared_registration>& regs,
                        clock_type::time_point deadline, std::vector<std::string>& registered) {
  std::vector<std::string> requests;
  requests.reserve(regs.size());
  for (const auto& reg : regs) {
    std::vector<std::pair<std::string, std::string>> headers{{"Content-Type", "application/json"}};
    for (const auto& [name, value] : reg.headers)
      headers.emplace_back(name, value);
    requests.push_back(raw_request("POST", agents_path, headers, reg.body));
  }
  auto r = raw_load(port, requests, clients, 201, deadline).run;
  for (size_t i = 0; i < regs.size() - r.unsent; ++i)
    registered.push_back(regs[i].id);
  return r;
}

/// GETs cycle over `ids`; the client loop is the same for tesserad and the
/// baseline so both see the same client cost.
run_result get_all(int port, int clients, size_t total, const std::vector<std::string>& ids,
                   clock_type::time_point deadline) {
  std::vector<std::string> targets;
  targets.reserve(ids.size());
  for (const auto& id : ids)
    targets.push_back(agents_path + "/" + id);
  return drive_clients(port, clients, total, deadline, [&](httplib::Client& cli, size_t i) {
    return cli.Get(targets[i % targets.size()].c_str());
  });
}

// ---------------------------------------------------------------------------
// Baselines.

/// Single-threaded SQLite: for each agent one transaction with a row in
/// `agents` and its rows in `agent_terms` — the rows the server writes, with
/// the server's schema (storage::migrate), its writer's PRAGMAs and its
/// write transaction. Statements
/// are prepared once, so this is close to the floor SQLite allows; the
/// server may still beat it because it commits concurrent writes together.
run_result sqlite_baseline(const fs::path& dir, const std::vector<prepared_registration>& regs,
                           clock_type::time_point deadline) {
  soci::session sql(*soci::factory_sqlite3(),
                    "db=\"" + (dir / "baseline.db").string() + "\" timeout=5");
  sql << "PRAGMA journal_mode=WAL";
  sql << "PRAGMA synchronous=FULL";
  tessera::storage::migrate(sql, tessera::storage::dialect::sqlite);

  std::string id, card, name, status = "online", kind, value;
  long long registered = 0, updated = 0, seen = 0;
  soci::statement insert_agent =
      (sql.prepare << "INSERT INTO agents (id, card, name, status, registered_at, updated_at,"
                      " last_seen) VALUES (:id, :card, :name, :status, :r, :u, :s)",
       soci::use(id), soci::use(card), soci::use(name), soci::use(status), soci::use(registered),
       soci::use(updated), soci::use(seen));
  soci::statement insert_term =
      (sql.prepare << "INSERT INTO agent_terms (agent_id, kind, value) VALUES (:id, :k, :v)",
       soci::use(id), soci::use(kind), soci::use(value));

  run_result r;
  auto start = clock_type::now();
  for (const auto& reg : regs) {
    if (clock_type::now() > deadline) {
      r.unsent = regs.size() - r.ok;
      r.first_error = "time limit reached";
      break;
    }
    const auto& c = reg.card;
    id = c.id;
    card = reg.body;  // the server stores the compact dump of the card as sent
    name = c.name;
    registered = updated = seen = std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count();
    // The server's writer transaction (BEGIN IMMEDIATE on SQLite).
    tessera::storage::write_transaction tr(sql, tessera::storage::dialect::sqlite);
    insert_agent.execute(true);
    for (auto [k, values] : {std::pair{"protocol", &c.protocols},
                             std::pair{"skill", &c.skill_ids}, std::pair{"tag", &c.tags}}) {
      kind = k;
      for (const auto& v : *values) {
        value = v;
        insert_term.execute(true);
      }
    }
    tr.commit();
    r.ok += 1;
  }
  r.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  return r;
}

/// A bare httplib::Server with tesserad's thread count, keep-alive timeout
/// and route pattern, answering every GET with the same static body: what
/// the HTTP layer alone costs, with no middleware, logging, actors or SQL.
class static_server {
public:
  static_server(int threads, std::string body) : body_(std::move(body)) {
    svr_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    svr_.set_keep_alive_timeout(5);
    // Without TCP_NODELAY the body, written after the headers, waits for
    // the client's delayed ACK: ~40 ms per answer. The baseline shows what
    // the HTTP layer can do, so it sets it (tesserad should too).
    svr_.set_tcp_nodelay(true);
    svr_.Get(R"(/api/v1/agents/([^/]+))", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(body_, "application/json");
    });
    port_ = svr_.bind_to_any_port("127.0.0.1");
    if (port_ < 0)
      throw std::runtime_error("baseline server: cannot bind 127.0.0.1");
    // The socket listens from bind on, so clients may connect at once.
    thread_ = std::thread([this] { svr_.listen_after_bind(); });
  }
  ~static_server() {
    svr_.stop();
    thread_.join();
  }
  int port() const { return port_; }

private:
  std::string body_;
  httplib::Server svr_;
  int port_ = -1;
  std::thread thread_;
};

// ---------------------------------------------------------------------------
// The two measurements and the report.

/// One real GET answer, so the baseline serves a body of the same size.
std::string sample_body(int port, const std::string& id) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_read_timeout(std::chrono::seconds(5));
  auto res = cli.Get((agents_path + "/" + id).c_str());
  if (!res || res->status != 200)
    throw std::runtime_error("GET " + agents_path + "/" + id + " did not answer 200");
  return res->body;
}

void print_text(const options& opt, const comparison& reg, const comparison& get) {
  std::cout << "registrations: " << fmt_rate(reg.server.rate()) << " (tesserad, " << opt.clients
            << " clients)  baseline sqlite insert+commit: " << fmt_rate(reg.baseline.rate())
            << "  ratio " << fmt_ratio(reg.ratio()) << "\n";
  std::cout << "get agent:     " << fmt_rate(get.server.rate()) << " (tesserad, " << opt.clients
            << " clients)  baseline static httplib: " << fmt_rate(get.baseline.rate())
            << "  ratio " << fmt_ratio(get.ratio()) << "\n";
  print_failures(reg);
  print_failures(get);
}

void print_json(const options& opt, const comparison& reg, const comparison& get) {
  nlohmann::json out = {{"clients", opt.clients}, {"server_threads", opt.server_threads}};
  for (const auto* c : {&reg, &get})
    out[c->name] = to_json(*c);
  out["errors"] = reg.errors() + get.errors();
  std::cout << out.dump(2) << "\n";
}

int run(const options& opt) {
  auto deadline = clock_type::now() + time_limit;
  temp_dir dir;
  auto server_process = make_server(dir.path, opt.server_threads, opt.server_log_level);
  auto& server = *server_process;
  server.start();
  watchdog guard("bench_registry", time_limit, deadline, server);

  // Each baseline runs first: it is quick, and if tesserad is slow enough to
  // hit the time limit the report still says how far off it is.
  comparison reg{"registrations", {}, {}};
  auto regs = prepare_registrations(opt.registrations);
  reg.baseline = sqlite_baseline(dir.path, regs, deadline);
  std::vector<std::string> ids;
  reg.server = register_all(server.port(), opt.clients, regs, deadline, ids);

  comparison get{"get_agent", {}, {}};
  if (!ids.empty()) {
    static_server baseline(opt.server_threads, sample_body(server.port(), ids.front()));
    get.baseline = get_all(baseline.port(), opt.clients, opt.gets, ids, deadline);
    get.server = get_all(server.port(), opt.clients, opt.gets, ids, deadline);
  } else {
    get.server.first_error = get.baseline.first_error = "skipped: no agent was registered";
    get.server.unsent = get.baseline.unsent = opt.gets;
  }

  int exit_status = server.stop(SIGTERM, std::chrono::seconds(10));
  if (opt.json)
    print_json(opt, reg, get);
  else
    print_text(opt, reg, get);
  if (exit_status != 0) {
    std::cerr << "bench_registry: tesserad exited with status " << exit_status << "\n"
              << server.log().substr(0, 4000);
    return 1;
  }
  return reg.errors() + get.errors() == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_registry: tesserad registrations and agent reads against baselines"};
  options opt;
  app.add_option("--registrations", opt.registrations, "signed registrations to send")
      ->check(CLI::Range(size_t{1}, size_t{1'000'000}));
  app.add_option("--gets", opt.gets, "GET /api/v1/agents/{id} requests to send")
      ->check(CLI::Range(size_t{1}, size_t{10'000'000}));
  app.add_option("--clients", opt.clients, "concurrent keep-alive clients")
      ->check(CLI::Range(1, 256));
  app.add_option("--server-threads", opt.server_threads,
                 "server.http_threads for tesserad and the baseline server")
      ->check(CLI::Range(1, 256));
  tessera::bench::add_output_options(app, opt.server_log_level, opt.json);
  CLI11_PARSE(app, argc, argv);
  return tessera::bench::run_guarded("bench_registry", [&] { return run(opt); });
}
