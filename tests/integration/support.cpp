#include "support.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "protocol/agent_card.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/encoding.hpp"
#include "protocol/http_signature.hpp"
#include "storage/redis_client.hpp"

namespace tessera::test {

std::string binary(const std::string& name) {
  return testkit::sibling_binary(name).string();
}

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}

}  // namespace

test_database::test_database(const temp_dir& dir) {
  driver = env_or("TESSERA_TEST_DRIVER", "sqlite");
  if (driver != "postgres") {
    dsn = (dir.path / "tessera.db").string();
    return;
  }
  auto admin = env_or("TESSERA_TEST_PG_DSN", "");
  if (admin.empty())
    throw std::runtime_error(
        "TESSERA_TEST_DRIVER=postgres needs TESSERA_TEST_PG_DSN (tools/test sets it)");
  pg_name = "tessera_test_" + encoding::hex_encode(crypto::random_bytes(6));
  soci::session sql(*soci::factory_postgresql(), admin);
  sql << "CREATE DATABASE " + pg_name;
  // In a libpq conninfo string the last dbname wins.
  dsn = admin + " dbname=" + pg_name;
}

test_database::~test_database() {
  if (pg_name.empty())
    return;
  try {
    soci::session sql(*soci::factory_postgresql(), env_or("TESSERA_TEST_PG_DSN", ""));
    sql << "DROP DATABASE IF EXISTS " + pg_name + " WITH (FORCE)";
  } catch (const std::exception&) {
    // The throwaway server goes away with tools/test anyway.
  }
}

nlohmann::json http_result::json() const {
  return nlohmann::json::parse(body, nullptr, false);
}

std::string http_result::error_code() const {
  auto j = json();
  return j.is_object() && j.contains("error") ? j["error"].value("code", "") : "";
}

std::string http_result::error_message() const {
  auto j = json();
  return j.is_object() && j.contains("error") ? j["error"].value("message", "") : "";
}

server_process::server_process(const temp_dir& dir, const test_database& db,
                               std::map<std::string, std::string> settings, ws_listener ws)
    : dir_(dir.path),
      settings_(std::move(settings)),
      pick_ports_(!settings_.count("server.http_addr") && !settings_.count("signaling.ws_addr")),
      ws_(ws) {
  settings_.emplace("database.driver", db.driver);
  settings_.emplace("database.dsn", "\"" + db.dsn + "\"");
  // Tests send bursts from one address; the suites about limits turn them on.
  settings_.emplace("rate_limit.enabled", "false");
  configure();
}

void server_process::configure() {
  port_ = free_port();
  ws_port_ = ws_ == ws_listener::own_port ? free_port() : port_;
  auto settings = settings_;
  settings.emplace("server.http_addr", "\"127.0.0.1:" + std::to_string(port_) + "\"");
  if (ws_ == ws_listener::own_port)
    settings.emplace("signaling.ws_addr", "\"127.0.0.1:" + std::to_string(ws_port_) + "\"");
  auto config = dir_ / ("tessera-" + std::to_string(port_) + ".yaml");
  // Group the dotted keys by section (the map keeps them sorted).
  std::ofstream out(config);
  std::string section;
  for (const auto& [key, value] : settings) {
    auto dot = key.find('.');
    if (key.substr(0, dot) != section) {
      section = key.substr(0, dot);
      out << section << ":\n";
    }
    out << "  " << key.substr(dot + 1) << ": " << value << "\n";
  }
  out.close();
  process_ = std::make_unique<testkit::tesserad_process>(
      config, dir_ / ("tesserad-" + std::to_string(port_) + ".log"), port_);
}

void server_process::start() {
  // A port free when picked can be taken before tesserad binds it (by another
  // test's server, or a client's ephemeral port): pick again and retry.
  for (int attempt = 1;; ++attempt) {
    try {
      process_->start();
      return;
    } catch (const std::runtime_error& e) {
      if (!pick_ports_ || attempt == 3 || std::string(e.what()).find("cannot listen") == std::string::npos)
        throw;
    }
    configure();
  }
}

namespace {

http_result to_result(const httplib::Result& res) {
  http_result out;
  if (!res)
    return out;
  out.status = res->status;
  out.body = res->body;
  out.headers = res->headers;
  return out;
}

}  // namespace

http_result server_process::get(const std::string& target, const httplib::Headers& headers) const {
  httplib::Client cli("127.0.0.1", port_);
  cli.set_read_timeout(std::chrono::seconds(15));
  return to_result(cli.Get(target, headers));
}

http_result server_process::send(const std::string& method, const std::string& target,
                                 const std::string& body, const httplib::Headers& headers) const {
  httplib::Client cli("127.0.0.1", port_);
  cli.set_read_timeout(std::chrono::seconds(15));
  httplib::Request req;
  req.method = method;
  req.path = target;
  req.headers = headers;
  req.body = body;
  if (!body.empty() && !req.has_header("Content-Type"))
    req.headers.emplace("Content-Type", "application/json");
  return to_result(cli.send(req));
}

http_result server_process::open_stream(const std::string& target,
                                        const httplib::Headers& headers) const {
  httplib::Client cli("127.0.0.1", port_);
  cli.set_read_timeout(std::chrono::seconds(15));
  http_result out;
  std::string body;
  bool stream = false;
  cli.Get(
      target, headers,
      [&](const httplib::Response& r) {
        out.status = r.status;
        out.headers = r.headers;
        stream = r.get_header_value("Content-Type") == "text/event-stream";
        return !stream;  // an answer that streams is not read further
      },
      [&](const char* data, size_t n) {
        body.append(data, n);
        return true;
      });
  out.body = std::move(body);
  return out;
}

agent::agent() : key(crypto::generate_key_pair()), id(agent_id::from_public_key(key.public_key)) {}

nlohmann::json agent::card(const std::string& name, std::vector<std::string> protocols) const {
  return {{"name", name},
          {"description", "an agent under test"},
          {"version", "1.0.0"},
          {"url", "https://agent.example.com/" + id.substr(0, 12)},
          {"protocols", protocols},
          {"skills", {{{"id", "echo"}, {"name", "Echo"}, {"tags", {"util"}}}}},
          {"tags", {"test"}}};
}

nlohmann::json agent::sign(nlohmann::json c) const {
  return card::sign(std::move(c), key);
}

httplib::Headers agent::sign_request(const std::string& method, const std::string& target,
                                     const std::string& body, std::optional<int64_t> created,
                                     std::string nonce) const {
  auto q = target.find('?');
  auto path = target.substr(0, q);
  auto query = q == std::string::npos ? std::string{} : target.substr(q + 1);
  if (nonce.empty())
    nonce = encoding::base64url_encode(crypto::random_bytes(16));
  auto now = created.value_or(static_cast<int64_t>(std::time(nullptr)));
  auto h = http_signature::sign(method, path, query, body, key, id, now, nonce);
  httplib::Headers headers{{"Signature-Input", h.signature_input}, {"Signature", h.signature}};
  if (!h.content_digest.empty())
    headers.emplace("Content-Digest", h.content_digest);
  return headers;
}

http_result agent::register_at(const server_process& s, const nlohmann::json& signed_card) const {
  auto body = signed_card.dump();
  return s.send("POST", "/api/v1/agents", body, sign_request("POST", "/api/v1/agents", body));
}

http_result agent::heartbeat(const server_process& s) const {
  auto target = "/api/v1/agents/" + id + "/heartbeat";
  return s.send("POST", target, "", sign_request("POST", target, ""));
}

int run_command(const std::vector<std::string>& argv, std::string& out,
                const std::map<std::string, std::string>& env) {
  // stdin: an empty pipe, so the command sees end of file at once.
  return run_command_with_input(argv, "", out, env);
}

int run_command_with_input(const std::vector<std::string>& argv, const std::string& input,
                           std::string& out, const std::map<std::string, std::string>& env) {
  int outfd[2], infd[2];
  if (::pipe(outfd) != 0 || ::pipe(infd) != 0)
    throw std::runtime_error("pipe failed");
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(outfd[1], 1);
    ::dup2(outfd[1], 2);
    ::dup2(infd[0], 0);
    ::close(outfd[0]);
    ::close(outfd[1]);
    ::close(infd[0]);
    ::close(infd[1]);
    for (const auto& [k, v] : env)
      ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(outfd[1]);
  ::close(infd[0]);
  // Small inputs fit the pipe's buffer; the child reads them after we close.
  size_t written = 0;
  while (written < input.size()) {
    auto n = ::write(infd[1], input.data() + written, input.size() - written);
    if (n <= 0)
      break;
    written += static_cast<size_t>(n);
  }
  ::close(infd[1]);
  out.clear();
  char buf[4096];
  ssize_t n;
  while ((n = ::read(outfd[0], buf, sizeof(buf))) > 0)
    out.append(buf, static_cast<size_t>(n));
  ::close(outfd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

const std::string test_jwt_secret = "integration-test-jwt-secret-0123456789ab";

std::filesystem::path audit_log_path(const temp_dir& dir) {
  return dir.path / "audit.log";
}

std::map<std::string, std::string> account_settings(const temp_dir& dir,
                                                    std::map<std::string, std::string> extra) {
  std::map<std::string, std::string> s = {
      {"user_auth.enabled", "true"},
      {"user_auth.jwt_secret", "\"" + test_jwt_secret + "\""},
      {"user_auth.password_hash_ops", "1"},
      {"user_auth.password_hash_memory", "8MiB"},
      {"audit_log.output", "\"file:" + audit_log_path(dir).string() + "\""},
      {"rate_limit.enabled", "false"},
  };
  for (auto& [k, v] : extra)
    s[k] = v;
  return s;
}

std::filesystem::path config_path(const temp_dir& dir, const server_process& s) {
  return dir.path / ("tessera-" + std::to_string(s.port()) + ".yaml");
}

httplib::Headers bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

http_result login(const server_process& s, const std::string& email, const std::string& password) {
  nlohmann::json body = {{"email", email}, {"password", password}};
  return s.send("POST", "/api/v1/auth/login", body.dump(), {});
}

namespace {

std::string fresh_password() {
  return "Pw-" + encoding::hex_encode(crypto::random_bytes(10)) + "-Zx";
}

account logged_in(const server_process& s, account a) {
  auto res = login(s, a.email, a.password);
  if (res.status != 200)
    throw std::runtime_error("login of " + a.email + ": " + std::to_string(res.status) + " " +
                             res.body);
  auto j = res.json();
  a.id = j["user"]["id"];
  a.access_token = j["access_token"];
  a.refresh_token = j["refresh_token"];
  return a;
}

}  // namespace

account sign_up(const server_process& s, const std::string& email,
                const std::string& display_name) {
  account a;
  a.email = email;
  a.password = fresh_password();
  nlohmann::json body = {
      {"email", email}, {"password", a.password}, {"display_name", display_name}};
  auto res = s.send("POST", "/api/v1/auth/register", body.dump(), {});
  if (res.status != 201)
    throw std::runtime_error("register " + email + ": " + std::to_string(res.status) + " " +
                             res.body);
  return logged_in(s, a);
}

account make_admin(const temp_dir& dir, const server_process& s, const std::string& email) {
  account a;
  a.email = email;
  a.password = fresh_password();
  std::string out;
  int rc = run_command_with_input({binary("tesserad"), "admin", "create", "--email", email,
                                   "--config", config_path(dir, s).string()},
                                  a.password + "\n", out);
  if (rc != 0)
    throw std::runtime_error("tesserad admin create: exit " + std::to_string(rc) + ": " + out);
  a = logged_in(s, a);
  if (out.find(a.id) == std::string::npos)
    throw std::runtime_error("tesserad admin create printed " + out + ", the login says " + a.id);
  return a;
}

void register_and_claim(const server_process& s, const agent& a, const account& owner) {
  auto reg = a.register_at(s, a.sign(a.card()));
  if (reg.status != 201)
    throw std::runtime_error("register agent: " + std::to_string(reg.status) + " " + reg.body);
  auto token = s.send("POST", "/api/v1/claim-tokens", "{}", owner.auth());
  if (token.status != 201)
    throw std::runtime_error("claim token: " + std::to_string(token.status) + " " + token.body);
  auto target = "/api/v1/agents/" + a.id + "/claim";
  auto body = nlohmann::json{{"token", token.json()["token"]}}.dump();
  auto claimed = s.send("POST", target, body, a.sign_request("POST", target, body));
  if (claimed.status != 200)
    throw std::runtime_error("claim: " + std::to_string(claimed.status) + " " + claimed.body);
}

std::vector<std::string> read_lines(const std::filesystem::path& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

std::vector<nlohmann::json> audit_entries(const temp_dir& dir) {
  std::vector<nlohmann::json> out;
  for (const auto& line : read_lines(audit_log_path(dir)))
    out.push_back(nlohmann::json::parse(line, nullptr, false));
  return out;
}

bool wait_for_audit(const temp_dir& dir, const std::string& action, size_t count) {
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    size_t n = 0;
    for (const auto& e : audit_entries(dir))
      n += e.is_object() && e.value("action", "") == action;
    if (n >= count)
      return true;
    if (std::chrono::steady_clock::now() > give_up)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool wait_for_log(const server_process& s, const std::string& text) {
  for (int i = 0; i < 100; ++i) {
    if (s.log().find(text) != std::string::npos)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

redis_server::redis_server(const temp_dir& dir)
    : port_(free_port()), log_(dir.path / "redis.log") {
  start();
}

void redis_server::start() {
  auto port = std::to_string(port_);
  pid_ = ::fork();
  if (pid_ == 0) {
    int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::execlp("redis-server", "redis-server", "--port", port.c_str(), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  if (pid_ < 0)
    throw std::runtime_error("fork failed");
  config::redis_settings s;
  s.addr = addr();
  storage::redis_client probe(s);
  for (int i = 0; i < 200; ++i) {
    std::string why;
    if (probe.connect(std::chrono::milliseconds(200), why)) {
      auto pong = probe.command({"PING"});
      if (pong && pong->text == "PONG")
        return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  std::ifstream in(log_);
  std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  throw std::runtime_error("redis-server did not start on port " + port + ": " + log);
}

void redis_server::kill9() {
  if (pid_ <= 0)
    return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

}  // namespace tessera::test
