#include "support.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <chrono>
#include <fstream>
#include <stdexcept>

#include "protocol/agent_card.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/encoding.hpp"
#include "protocol/http_signature.hpp"

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
                               std::map<std::string, std::string> settings) {
  port_ = free_port();
  auto config = dir.path / ("tessera-" + std::to_string(port_) + ".yaml");
  settings.emplace("server.http_addr", "\"127.0.0.1:" + std::to_string(port_) + "\"");
  settings.emplace("database.driver", db.driver);
  settings.emplace("database.dsn", "\"" + db.dsn + "\"");
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
      config, dir.path / ("tesserad-" + std::to_string(port_) + ".log"), port_);
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
  int pipefd[2];
  if (::pipe(pipefd) != 0)
    throw std::runtime_error("pipe failed");
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    ::dup2(pipefd[1], 2);
    ::close(pipefd[0]);
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    for (const auto& [k, v] : env)
      ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipefd[1]);
  out.clear();
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof(buf))) > 0)
    out.append(buf, static_cast<size_t>(n));
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace tessera::test
