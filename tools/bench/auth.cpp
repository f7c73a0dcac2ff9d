// bench_auth: what each way of authenticating costs a real tesserad, each
// figure next to a baseline measured in the same run on the same machine:
//
//   1. GET /api/v1/agents/{id} (a `read` route) requests/s, anonymous, from N
//      keep-alive clients: the baseline of 2-4;
//   2. the same with an access token (JWT verify, a user lookup);
//   3. the same with an API key (SHA-256, a credential and a user lookup);
//   4. the same, RFC 9421-signed by an agent (Ed25519 verify, the replay guard,
//      and with --replay-store database|redis the window the nodes share);
//   5. POST /api/v1/auth/login logins/s at the shipped password cost
//      vs. as many in-process password::verify calls of the same cost on as
//      many threads: the Argon2id floor.
//
// The figures compared take turns, so drift in the machine's load moves a
// figure and its baseline alike. Everything runs on loopback; tesserad runs on
// a temporary SQLite database that is removed at the end. See
// tools/bench/README.md for how to read it.
#include <CLI/CLI.hpp>
#include <httplib.h>

#include <chrono>
#include <ctime>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.hpp"
#include "protocol/agent_card.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/crypto.hpp"
#include "protocol/encoding.hpp"
#include "protocol/http_signature.hpp"
#include "protocol/password.hpp"
#include "tools/bench/bench_support.hpp"

namespace {

using namespace tessera::bench;
using nlohmann::json;

// The whole run must end within this; signed requests are made before the
// run starts, so it must also stay well inside the server's 300 s skew.
constexpr auto time_limit = std::chrono::seconds(120);

constexpr std::string_view jwt_secret = "bench-auth-jwt-secret-0123456789abcdefgh";
static_assert(jwt_secret.size() == 40);
const std::string email = "loadtest@example.com";
// Passes the server's rules: long enough, not common, not the email's name.
const std::string password = "a long enough benchmark password";

struct options {
  size_t gets = 20000;
  size_t logins = 128;
  int clients = 4;
  int server_threads = 8;
  std::string server_log_level = "info";
  std::string replay_store = "memory";
  std::string redis_addr = "127.0.0.1:6379";
  std::string postgres_dsn;  // "": a temporary SQLite database
  bool json = false;
};

/// Accounts on with a fixed secret; the password cost is left at the shipped
/// default, which is what the login figure is about.
std::string user_auth_yaml() {
  return "user_auth:\n"
         "  enabled: true\n"
         "  jwt_secret: \"" +
         std::string(jwt_secret) + "\"\n";
}

// ---------------------------------------------------------------------------
// Set-up over HTTP, before timing: a user, their access token and API key, and
// an agent whose record every GET reads and whose key signs.

struct credentials {
  std::string access_token;
  std::string api_key;
  tessera::crypto::key_pair agent_key;
  std::string agent_id;
};

json expect(const httplib::Result& res, int status, const std::string& what) {
  if (!res)
    throw std::runtime_error(what + ": no answer: " + httplib::to_string(res.error()));
  if (res->status != status)
    throw std::runtime_error(what + ": status " + std::to_string(res->status) + ": " +
                             res->body.substr(0, 300));
  return json::parse(res->body);
}

json bench_card() {
  return {{"name", "bench-auth"},
          {"version", "1.0.0"},
          {"url", "https://bench.example.com/auth"},
          {"protocols", {"a2a"}}};
}

/// RFC 9421 headers for one request by the agent, with a nonce of its own.
httplib::Headers sign(const std::string& method, const std::string& path, const std::string& body,
                      const credentials& who, int64_t created) {
  using namespace tessera;
  auto nonce = encoding::base64url_encode(crypto::random_bytes(16));
  auto h = http_signature::sign(method, path, "", body, who.agent_key, who.agent_id, created,
                                nonce);
  httplib::Headers out{{"Signature-Input", h.signature_input}, {"Signature", h.signature}};
  if (!h.content_digest.empty())
    out.emplace("Content-Digest", h.content_digest);
  return out;
}

credentials set_up(int port) {
  using namespace tessera;
  httplib::Client cli("127.0.0.1", port);
  // Registration hashes the password at the full cost.
  cli.set_read_timeout(std::chrono::seconds(10));
  credentials out;
  expect(cli.Post("/api/v1/auth/register",
                  json{{"email", email}, {"password", password}, {"display_name", "Bench"}}.dump(),
                  "application/json"),
         201, "POST /api/v1/auth/register");
  out.access_token = expect(cli.Post("/api/v1/auth/login",
                                     json{{"email", email}, {"password", password}}.dump(),
                                     "application/json"),
                            200, "POST /api/v1/auth/login")["access_token"];
  out.api_key = expect(cli.Post("/api/v1/auth/api-keys",
                                {{"Authorization", "Bearer " + out.access_token}},
                                json{{"name", "bench"}}.dump(), "application/json"),
                       201, "POST /api/v1/auth/api-keys")["key"];
  out.agent_key = crypto::generate_key_pair();
  out.agent_id = agent_id::from_public_key(out.agent_key.public_key);
  auto card = card::sign(bench_card(), out.agent_key).dump();
  auto now = static_cast<int64_t>(std::time(nullptr));
  expect(cli.Post("/api/v1/agents", sign("POST", "/api/v1/agents", card, out, now), card,
                  "application/json"),
         201, "POST /api/v1/agents");
  return out;
}

// ---------------------------------------------------------------------------
// The measurements. Every GET reads the same agent, so the four GET figures
// differ only in how the request authenticates.

// Each figure is measured in this many turns, taking turns with the figures
// it is compared with, and its turns are added up: a machine that gets busier
// or quieter during the run (the shared dev VM does) then moves a figure and
// its baseline alike instead of skewing the ratio.
constexpr size_t turns = 4;

/// One turn of a measurement: its items first .. first + count - 1.
using measurement = std::function<run_result(size_t first, size_t count)>;

void add_turn(run_result& total, const run_result& turn) {
  total.ok += turn.ok;
  total.failed += turn.failed;
  total.unsent += turn.unsent;
  total.seconds += turn.seconds;
  if (total.first_error.empty())
    total.first_error = turn.first_error;
}

/// Runs `total` items of each measurement in turns; one result per measurement.
std::vector<run_result> in_turns(size_t total, const std::vector<measurement>& measurements) {
  std::vector<run_result> out(measurements.size());
  for (size_t t = 0; t < turns; ++t) {
    size_t first = total * t / turns, count = total * (t + 1) / turns - first;
    for (size_t m = 0; m < measurements.size(); ++m)
      add_turn(out[m], measurements[m](first, count));
  }
  return out;
}

measurement get_with(int port, const options& opt, const std::string& target,
                     httplib::Headers headers, clock_type::time_point deadline) {
  return [=, &opt, &target](size_t, size_t count) {
    return drive_clients(port, opt.clients, count, deadline, [&](httplib::Client& cli, size_t) {
      return cli.Get(target.c_str(), headers);
    });
  };
}

/// Signed GETs from requests prepared beforehand, one per GET (a nonce is
/// accepted once), so signing is not measured.
measurement get_signed(int port, const options& opt, const std::string& target,
                       const std::vector<httplib::Headers>& prepared,
                       clock_type::time_point deadline) {
  return [=, &opt, &target, &prepared](size_t first, size_t count) {
    return drive_clients(port, opt.clients, count, deadline, [&](httplib::Client& cli, size_t i) {
      return cli.Get(target.c_str(), prepared[first + i]);
    });
  };
}

measurement login(int port, const options& opt, clock_type::time_point deadline) {
  return [=, &opt](size_t, size_t count) {
    auto body = json{{"email", email}, {"password", password}}.dump();
    return drive_clients(port, opt.clients, count, deadline, [&](httplib::Client& cli, size_t) {
      return cli.Post("/api/v1/auth/login", body, "application/json");
    });
  };
}

/// The Argon2id floor of a login: password::verify of the same password at
/// the server's default cost, on as many threads as there are clients.
measurement verify_password(const options& opt, const std::string& stored,
                            clock_type::time_point deadline) {
  return [&opt, &stored, deadline](size_t, size_t count) {
    return drive_threads(opt.clients, count, deadline, [&] {
      return [&](size_t) -> std::string {
        return tessera::password::verify(password, stored) ? "" : "password::verify said no";
      };
    });
  };
}

// ---------------------------------------------------------------------------
// The report.

struct report {
  run_result anonymous;
  comparison access_token{"get_access_token", {}, {}};
  comparison api_key{"get_api_key", {}, {}};
  comparison signature{"get_signed", {}, {}};
  comparison login{"login", {}, {}};
  std::vector<const comparison*> gets() const { return {&access_token, &api_key, &signature}; }
  size_t errors() const {
    // The three GET figures share the anonymous run as their baseline.
    size_t n = anonymous.errors() + login.errors();
    for (const auto* c : gets())
      n += c->server.errors();
    return n;
  }
};

void print_text(const options& opt, const report& r) {
  auto clients = " (tesserad, " + std::to_string(opt.clients) + " clients)";
  std::cout << "replay store:     " << opt.replay_store << "\n";
  std::cout << "get anonymous:    " << fmt_rate(r.anonymous.rate()) << clients << "\n";
  for (auto [label, c] : {std::pair{"get access token: ", &r.access_token},
                          std::pair{"get api key:      ", &r.api_key},
                          std::pair{"get signed:       ", &r.signature}})
    std::cout << label << fmt_rate(c->server.rate()) << clients
              << "  baseline anonymous: " << fmt_rate(c->baseline.rate()) << "  ratio "
              << fmt_ratio(c->ratio()) << "\n";
  std::cout << "login:            " << fmt_rate(r.login.server.rate()) << clients
            << "  baseline password::verify: " << fmt_rate(r.login.baseline.rate()) << " ("
            << opt.clients << " threads)  ratio " << fmt_ratio(r.login.ratio()) << "\n";
  print_failures("get_anonymous (tesserad)", r.anonymous);
  for (const auto* c : r.gets())
    print_failures(std::string(c->name) + " (tesserad)", c->server);
  print_failures(r.login);
}

void print_json(const options& opt, const report& r) {
  json out = {{"clients", opt.clients},
              {"server_threads", opt.server_threads},
              {"replay_store", opt.replay_store}};
  out["get_anonymous"] = to_json(r.anonymous);
  if (!r.anonymous.first_error.empty())
    out["get_anonymous"]["first_error"] = r.anonymous.first_error;
  for (const auto* c : r.gets())
    out[c->name] = to_json(*c);
  out["login"] = to_json(r.login);
  out["errors"] = r.errors();
  std::cout << out.dump(2) << "\n";
}

int run(const options& opt) {
  auto deadline = clock_type::now() + time_limit;
  temp_dir dir;
  auto server_process =
      make_server(dir.path, opt.server_threads, opt.server_log_level,
                  user_auth_yaml() + "auth:\n  replay_per_key: 100000000\n  replay_store: " +
                      opt.replay_store + "\nredis:\n  addr: \"" + opt.redis_addr + "\"\n",
                  "", "", opt.postgres_dsn);
  auto& server = *server_process;
  server.start();
  watchdog guard("bench_auth", time_limit, deadline, server);
  auto port = server.port();
  auto who = set_up(port);
  auto target = "/api/v1/agents/" + who.agent_id;

  // One `created` for all: the run is bounded far below the server's skew.
  auto created = static_cast<int64_t>(std::time(nullptr));
  std::vector<httplib::Headers> prepared;
  prepared.reserve(opt.gets);
  for (size_t i = 0; i < opt.gets; ++i)
    prepared.push_back(sign("GET", target, "", who, created));
  const tessera::config::user_auth_settings shipped;
  auto stored = tessera::password::hash(
      password, {static_cast<unsigned long long>(shipped.password_hash_ops),
                 shipped.password_hash_memory});

  report r;
  // Each baseline goes first in its turn, as in bench_registry.
  auto gets = in_turns(
      opt.gets, {get_with(port, opt, target, {}, deadline),
                 get_with(port, opt, target, {{"Authorization", "Bearer " + who.access_token}},
                          deadline),
                 get_with(port, opt, target, {{"Authorization", "Bearer " + who.api_key}},
                          deadline),
                 get_signed(port, opt, target, prepared, deadline)});
  r.anonymous = gets[0];
  r.access_token.server = gets[1];
  r.api_key.server = gets[2];
  r.signature.server = gets[3];
  for (auto* c : {&r.access_token, &r.api_key, &r.signature})
    c->baseline = r.anonymous;
  auto logins =
      in_turns(opt.logins, {verify_password(opt, stored, deadline), login(port, opt, deadline)});
  r.login.baseline = logins[0];
  r.login.server = logins[1];

  int exit_status = server.stop(SIGTERM, std::chrono::seconds(10));
  if (opt.json)
    print_json(opt, r);
  else
    print_text(opt, r);
  if (exit_status != 0) {
    std::cerr << "bench_auth: tesserad exited with status " << exit_status << "\n"
              << server.log().substr(0, 4000);
    return 1;
  }
  return r.errors() == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_auth: tesserad's authentication paths and logins against baselines"};
  options opt;
  app.add_option("--gets", opt.gets, "GET /api/v1/agents/{id} requests per kind of caller")
      ->check(CLI::Range(size_t{1}, size_t{10'000'000}));
  app.add_option("--logins", opt.logins, "logins to send (and password::verify calls)")
      ->check(CLI::Range(size_t{1}, size_t{100'000}));
  app.add_option("--clients", opt.clients,
                 "concurrent keep-alive clients (and threads of the password baseline)")
      ->check(CLI::Range(1, 256));
  app.add_option("--server-threads", opt.server_threads, "tesserad's server.http_threads")
      ->check(CLI::Range(1, 256));
  app.add_option("--replay-store", opt.replay_store, "tesserad's auth.replay_store")
      ->check(CLI::IsMember({"memory", "database", "redis"}));
  app.add_option("--redis-addr", opt.redis_addr, "redis.addr, for --replay-store redis");
  app.add_option("--postgres-dsn", opt.postgres_dsn,
                 "an empty PostgreSQL database to use instead of SQLite (it is written to)");
  tessera::bench::add_output_options(app, opt.server_log_level, opt.json);
  CLI11_PARSE(app, argc, argv);
  return tessera::bench::run_guarded("bench_auth", [&] { return run(opt); });
}
