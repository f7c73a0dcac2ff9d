#include "support.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "protocol/agent_card.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/encoding.hpp"
#include "protocol/http_signature.hpp"

namespace tessera::test {

namespace fs = std::filesystem;

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
    throw std::runtime_error("free_port: bind failed");
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string binary(const std::string& name) {
  return std::string{TESSERA_BINARY_DIR} + "/" + name;
}

temp_dir::temp_dir() {
  std::string tmpl = (fs::temp_directory_path() / "tessera-test-XXXXXX").string();
  if (!::mkdtemp(tmpl.data()))
    throw std::runtime_error("mkdtemp failed");
  path = tmpl;
}

temp_dir::~temp_dir() {
  std::error_code ignored;
  fs::remove_all(path, ignored);
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
  config_ = dir.path / ("tessera-" + std::to_string(port_) + ".yaml");
  log_ = dir.path / ("tesserad-" + std::to_string(port_) + ".log");
  settings.emplace("server.http_addr", "\"127.0.0.1:" + std::to_string(port_) + "\"");
  settings.emplace("database.driver", db.driver);
  settings.emplace("database.dsn", "\"" + db.dsn + "\"");
  // Group the dotted keys by section (the map keeps them sorted).
  std::ofstream out(config_);
  std::string section;
  for (const auto& [key, value] : settings) {
    auto dot = key.find('.');
    if (key.substr(0, dot) != section) {
      section = key.substr(0, dot);
      out << section << ":\n";
    }
    out << "  " << key.substr(dot + 1) << ": " << value << "\n";
  }
}

server_process::~server_process() {
  if (pid_ > 0)
    kill9();
}

void server_process::start() {
  pid_ = ::fork();
  if (pid_ == 0) {
    int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    auto exe = binary("tesserad");
    ::execl(exe.c_str(), exe.c_str(), "--config", config_.c_str(), nullptr);
    ::_exit(127);
  }
  // Bounded wait for readiness: the process is up when health answers 200.
  httplib::Client cli("127.0.0.1", port_);
  cli.set_connection_timeout(std::chrono::milliseconds(200));
  for (int i = 0; i < 300; ++i) {
    if (auto res = cli.Get("/api/v1/health"); res && res->status == 200)
      return;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("tesserad exited at start:\n" + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("tesserad did not become healthy:\n" + log());
}

int server_process::stop(int signal) {
  if (pid_ <= 0)
    return -1;
  ::kill(pid_, signal);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

void server_process::kill9() {
  stop(SIGKILL);
}

std::string server_process::log() const {
  std::ifstream in(log_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
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
