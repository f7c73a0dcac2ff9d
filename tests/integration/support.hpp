#pragma once
// Integration test support: a real tesserad process on a free loopback port
// with its own database (a SQLite file, or a fresh PostgreSQL database when
// TESSERA_TEST_DRIVER=postgres), and an HTTP client that signs like an agent.
#include <httplib.h>
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "protocol/crypto.hpp"
#include "tools/testkit/tesserad_process.hpp"

namespace tessera::test {

using testkit::free_port;
using testkit::temp_dir;
std::string binary(const std::string& name);  // path of a built executable

/// The database a test server uses: SQLite in a temp dir, or a fresh
/// PostgreSQL database (dropped afterwards) when TESSERA_TEST_DRIVER=postgres.
struct test_database {
  explicit test_database(const temp_dir& dir);
  ~test_database();
  std::string driver;
  std::string dsn;
  std::string pg_name;  // the database created for this test (postgres only)
};

struct http_result {
  int status = 0;  // 0: no answer
  std::string body;
  httplib::Headers headers;
  nlohmann::json json() const;
  std::string error_code() const;     // error.code or ""
  std::string error_message() const;  // error.message or ""
};

/// Where the signaling WebSocket listens: on the HTTP port (the default), or
/// on a port of its own (signaling.ws_addr, picked here).
enum class ws_listener { http_port, own_port };

/// The tesserad process. `settings` maps dotted keys ("registry.offline_after")
/// to YAML values, on top of the generated port and database.
class server_process {
public:
  server_process(const temp_dir& dir, const test_database& db,
                 std::map<std::string, std::string> settings = {},
                 ws_listener ws = ws_listener::http_port);  // killed with the object

  /// Waits until /api/v1/health answers 200. When the ports were picked here
  /// and one was taken meanwhile, picks new ones (port() changes) and retries.
  void start();
  int stop(int signal = SIGTERM) { return process_->stop(signal); }  // exit status or 128+signal
  void kill9() { process_->stop(SIGKILL); }
  bool running() const { return process_->running(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  pid_t pid() const { return process_->pid(); }
  int ws_port() const { return ws_port_; }  // the WebSocket's port (see ws_listener)
  std::string log() const { return process_->log(); }  // what the process printed

  http_result get(const std::string& target, const httplib::Headers& headers = {}) const;
  http_result send(const std::string& method, const std::string& target, const std::string& body,
                   const httplib::Headers& headers) const;
  /// A GET whose answer may be a stream (SSE): a streamed answer is left after
  /// its headers (status and headers set, body empty); any other is read whole.
  http_result open_stream(const std::string& target, const httplib::Headers& headers = {}) const;

private:
  void configure();  // picks the ports and writes the config
  std::filesystem::path dir_;
  std::map<std::string, std::string> settings_;
  bool pick_ports_;
  ws_listener ws_;
  int port_ = 0;
  int ws_port_ = 0;
  std::unique_ptr<testkit::tesserad_process> process_;
};

/// An agent's key and a way to sign requests with it.
struct agent {
  agent();
  crypto::key_pair key;
  std::string id;

  /// A valid card for this agent (unsigned); `sign` signs it with this key.
  nlohmann::json card(const std::string& name = "Test agent",
                      std::vector<std::string> protocols = {"a2a"}) const;
  nlohmann::json sign(nlohmann::json card) const;

  /// RFC 9421 headers for a request by this agent; created defaults to now.
  httplib::Headers sign_request(const std::string& method, const std::string& target,
                                const std::string& body, std::optional<int64_t> created = {},
                                std::string nonce = "") const;

  http_result register_at(const server_process& s, const nlohmann::json& signed_card) const;
  http_result heartbeat(const server_process& s) const;
};

/// Runs a command, returns its exit status; output goes to `out` (stdout+stderr).
int run_command(const std::vector<std::string>& argv, std::string& out,
                const std::map<std::string, std::string>& env = {});

/// Like run_command, with `input` written to the command's stdin (then closed).
int run_command_with_input(const std::vector<std::string>& argv, const std::string& input,
                           std::string& out, const std::map<std::string, std::string>& env = {});

// --- User accounts (user_auth) ----------------------------------------------

/// The JWT secret of servers made with account_settings (40 bytes).
extern const std::string test_jwt_secret;

/// Settings for a server with user accounts: test_jwt_secret, the cheapest
/// Argon2id cost, the audit log in `dir`/audit.log, rate limits off; `extra`
/// overrides or adds keys.
std::map<std::string, std::string> account_settings(const temp_dir& dir,
                                                    std::map<std::string, std::string> extra = {});

/// Where account_settings sends the audit log.
std::filesystem::path audit_log_path(const temp_dir& dir);

/// The YAML config server_process wrote for `s` (in `dir`).
std::filesystem::path config_path(const temp_dir& dir, const server_process& s);

/// {"Authorization": "Bearer <token>"}.
httplib::Headers bearer(const std::string& token);

/// A signed-in user: what register and login answered.
struct account {
  std::string id, email, password;
  std::string access_token, refresh_token;
  httplib::Headers auth() const { return bearer(access_token); }
};

/// POST /api/v1/auth/login; the result as sent back.
http_result login(const server_process& s, const std::string& email, const std::string& password);

/// Registers (201) and logs in (200) a user; throws std::runtime_error with
/// the answer otherwise. The password is a fresh strong one.
account sign_up(const server_process& s, const std::string& email,
                const std::string& display_name = "Test user");

/// `tesserad admin create --email E --config <s's config>` with the password on
/// stdin, then a login; throws with the command's output when it fails.
account make_admin(const temp_dir& dir, const server_process& s, const std::string& email);

/// The agent registered at `s` by `a` and claimed by `owner` (claim token,
/// then the agent-signed claim); throws unless every step succeeds.
void register_and_claim(const server_process& s, const agent& a, const account& owner);

/// Waits (up to 5 s) until the server's output contains `text`: the access log
/// line of a request is written after its answer was sent. True if it does.
bool wait_for_log(const server_process& s, const std::string& text);

/// Every line of a text file (none if it doesn't exist).
std::vector<std::string> read_lines(const std::filesystem::path& path);

/// The audit log of a server made with account_settings, one object a line
/// (a line that is not JSON becomes a discarded value).
std::vector<nlohmann::json> audit_entries(const temp_dir& dir);

/// Waits (up to 5 s: the audit actor writes asynchronously) until the audit
/// log holds at least `count` entries with `action`; true if it does.
bool wait_for_audit(const temp_dir& dir, const std::string& action, size_t count = 1);

/// A redis-server child on a loopback port of its own, which keeps that port
/// across kill -9 and start again.
class redis_server {
public:
  explicit redis_server(const temp_dir& dir);
  ~redis_server() { kill9(); }
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  std::string addr() const { return "127.0.0.1:" + std::to_string(port_); }

  /// Starts it and waits (bounded) until it answers PING.
  void start();
  void kill9();

private:
  int port_;
  std::filesystem::path log_;
  pid_t pid_ = -1;
};

}  // namespace tessera::test
