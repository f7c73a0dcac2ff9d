// `tessera connect` against a real tesserad: frames typed on stdin reach
// another agent, the states it prints, a fatal refusal, retries against a
// port nobody listens on, reconnection after a server restart, and SIGTERM.
#include <boost/test/unit_test.hpp>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

#include "protocol/encoding.hpp"
#include "support.hpp"
#include "tools/testkit/ws_client.hpp"

using namespace tessera::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// The key file format of tools/tessera/key_file.hpp, for a test agent.
std::string write_key(const temp_dir& dir, const agent& a, const std::string& name) {
  auto path = (dir.path / name).string();
  {
    std::ofstream out(path);
    out << json{{"type", "ed25519"},
                {"id", a.id},
                {"public_key", tessera::encoding::base64url_encode(a.key.public_key)},
                {"private_key", tessera::encoding::base64url_encode(a.key.secret_key.substr(0, 32))}}
               .dump();
  }
  ::chmod(path.c_str(), 0600);
  return path;
}

using names = std::vector<std::string>;

size_t count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// The "state: <name>" lines of the CLI's output, in order.
std::vector<std::string> states(const std::string& out) {
  std::vector<std::string> found;
  std::regex line(R"(state: (\w+))");
  for (std::sregex_iterator it(out.begin(), out.end(), line), end; it != end; ++it)
    found.push_back((*it)[1]);
  return found;
}

// `tessera connect` as a long-lived child: stdin stays open until close_stdin,
// stdout and stderr are read apart as they come.
class cli_child {
public:
  explicit cli_child(const std::vector<std::string>& argv) {
    int in[2], out[2], err[2];
    // Close-on-exec: a tesserad started later (a restart) must not inherit
    // our end of the child's stdin, or closing it would never reach the child.
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe failed");
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) ::close(fd);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    stdin_ = in[1];
    stdout_ = out[0];
    stderr_ = err[0];
  }
  ~cli_child() {
    close_stdin();
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(stdout_);
    ::close(stderr_);
  }

  void write_line(const std::string& line) {
    std::string text = line + "\n";
    BOOST_REQUIRE(::write(stdin_, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  }
  void close_stdin() {
    if (stdin_ >= 0) ::close(stdin_);
    stdin_ = -1;
  }
  void signal(int sig) { ::kill(pid_, sig); }

  /// Reads until `done(stdout, stderr)` holds or `limit` passes; whether it held.
  template <class Done>
  bool wait_until(Done done, std::chrono::milliseconds limit = 15s) {
    auto give_up = std::chrono::steady_clock::now() + limit;
    while (!done(out_, err_)) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          give_up - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd fds[] = {{stdout_, POLLIN, 0}, {stderr_, POLLIN, 0}};
      if (::poll(fds, 2, static_cast<int>(std::min<int64_t>(left.count(), 100))) <= 0) continue;
      drain(fds[0], stdout_, out_);
      drain(fds[1], stderr_, err_);
    }
    return true;
  }
  bool wait_for_err(const std::string& text, size_t times = 1) {
    return wait_until([&](const std::string&, const std::string& e) { return count(e, text) >= times; });
  }
  bool wait_for_out(const std::string& text) {
    return wait_until([&](const std::string& o, const std::string&) { return count(o, text) >= 1; });
  }

  /// The exit status once it exits (within `limit`), reading what remains; -1 if it doesn't.
  int wait_exit(std::chrono::milliseconds limit = 15s) {
    auto give_up = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < give_up) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        wait_until([](auto&, auto&) { return false; }, 200ms);  // what is left in the pipes
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      wait_until([](auto&, auto&) { return false; }, 50ms);
    }
    return -1;
  }

  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

private:
  static void drain(const pollfd& p, int fd, std::string& into) {
    if (!(p.revents & (POLLIN | POLLHUP))) return;
    char buf[4096];
    auto n = ::read(fd, buf, sizeof buf);
    if (n > 0) into.append(buf, static_cast<size_t>(n));
  }

  pid_t pid_ = -1;
  int stdin_ = -1, stdout_ = -1, stderr_ = -1;
  std::string out_, err_;
};

struct fixture {
  temp_dir dir;
  test_database db{dir};
  server_process server{dir, db, {{"signaling.require_contacts", "false"}}};
  agent alice, bob;
  std::string alice_key = write_key(dir, alice, "alice.key");

  fixture() {
    server.start();
    BOOST_TEST_REQUIRE(alice.register_at(server, alice.sign(alice.card("Alice"))).status == 201);
    BOOST_TEST_REQUIRE(bob.register_at(server, bob.sign(bob.card("Bob"))).status == 201);
  }

  /// Bob, connected and authenticated with the test client.
  std::unique_ptr<tessera::testkit::ws_client> connect_bob() {
    auto ws = std::make_unique<tessera::testkit::ws_client>();
    BOOST_TEST_REQUIRE(ws->connect(server.ws_port()));
    std::string why;
    BOOST_TEST_REQUIRE(tessera::testkit::authenticate(*ws, bob.id, bob.key.secret_key, &why).has_value(),
                       why);
    return ws;
  }

  std::vector<std::string> connect_args(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {binary("tessera"), "--server", server.url(), "connect",
                                     "--agent", alice_key};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  json notification_to_bob(const std::string& body) const {
    return {{"type", "notification"}, {"to", bob.id}, {"body", body}};
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(cli_connect, fixture)

BOOST_AUTO_TEST_CASE(stdin_lines_reach_another_agent) {
  auto bob_ws = connect_bob();
  std::string out;
  // The URL comes from the server's /api/v1/signaling/info (no --ws-url).
  int rc = run_command_with_input(
      connect_args(), notification_to_bob("hello bob").dump() + "\nnot json\n\n", out);
  BOOST_TEST(rc == 0, out);
  BOOST_TEST(states(out) == (names{"standby", "connecting", "ready", "closed"}),
             boost::test_tools::per_element());
  BOOST_TEST(count(out, "error: stdin line 2 is not a JSON object; not sent") == 1u, out);
  BOOST_TEST(count(out, "\"type\":\"config\"") == 1u, out);  // the config frame is printed

  auto got = bob_ws->receive_type("notification");
  BOOST_TEST_REQUIRE(got.has_value());
  BOOST_TEST((*got)["from"] == alice.id);
  BOOST_TEST((*got)["body"] == "hello bob");
}

BOOST_AUTO_TEST_CASE(an_unknown_agent_fails_at_once) {
  agent stranger;  // never registered
  auto key = write_key(dir, stranger, "stranger.key");
  std::string out;
  int rc = run_command({binary("tessera"), "connect", "--agent", key, "--ws-url",
                        "ws://127.0.0.1:" + std::to_string(server.ws_port()) + "/api/v1/signaling",
                        "--max-retries", "5", "--backoff-base", "50"},
                       out);
  BOOST_TEST(rc == 1, out);
  BOOST_TEST(states(out) == (names{"standby", "connecting", "connection_failed"}),
             boost::test_tools::per_element());
  BOOST_TEST(count(out, "4404") >= 1u, out);  // the last reason names the close code
  BOOST_TEST(count(out, "retry_backoff") == 0u, out);
}

BOOST_AUTO_TEST_CASE(no_server_means_growing_backoff_then_failure) {
  int port = free_port();  // nobody listens here
  std::string out;
  int rc = run_command({binary("tessera"), "connect", "--agent", alice_key, "--ws-url",
                        "ws://127.0.0.1:" + std::to_string(port) + "/api/v1/signaling",
                        "--max-retries", "3", "--backoff-base", "50"},
                       out);
  BOOST_TEST(rc == 1, out);
  BOOST_TEST(states(out) == (names{"standby", "connecting", "retry_backoff", "connecting",
                                   "retry_backoff", "connecting", "connection_failed"}),
             boost::test_tools::per_element());
  // Each delay is drawn from a window that doubles: 0..50 ms, then 0..100 ms.
  std::regex backoff(R"(state: retry_backoff (\d+)ms \(failure (\d+) of 3, at most (\d+)ms)");
  std::vector<std::pair<int, int>> delays;
  for (std::sregex_iterator it(out.begin(), out.end(), backoff), end; it != end; ++it) {
    BOOST_TEST(std::stoi((*it)[2]) == static_cast<int>(delays.size()) + 1);
    delays.emplace_back(std::stoi((*it)[1]), std::stoi((*it)[3]));
  }
  BOOST_TEST_REQUIRE(delays.size() == 2u, out);
  BOOST_TEST(delays[0].second == 50);
  BOOST_TEST(delays[1].second == 100);
  for (auto [delay, cap] : delays) BOOST_TEST(delay <= cap);
  BOOST_TEST(count(out, "connection failed: cannot connect to 127.0.0.1:" + std::to_string(port)) ==
                 1u,
             out);
}

BOOST_AUTO_TEST_CASE(reconnects_after_a_server_restart) {
  cli_child cli(connect_args({"--backoff-base", "100", "--backoff-max", "400", "--max-retries",
                              "200"}));
  BOOST_TEST_REQUIRE(cli.wait_for_err("state: ready"), cli.err());

  // Frames come in too, as JSON lines on stdout.
  auto bob_ws = connect_bob();
  bob_ws->send_json({{"type", "notification"}, {"to", alice.id}, {"body", "before"}});
  BOOST_TEST_REQUIRE(cli.wait_for_out("\"before\""), cli.out());
  auto line = cli.out().substr(cli.out().rfind('{', cli.out().find("\"before\"")));
  auto received = json::parse(line.substr(0, line.find('\n')));
  BOOST_TEST(received["from"] == bob.id);

  server.stop();
  BOOST_TEST_REQUIRE(cli.wait_for_err("state: reconnecting"), cli.err());
  server.start();
  BOOST_TEST_REQUIRE(cli.wait_for_err("state: ready", 2), cli.err());
  auto seen = states(cli.err());
  BOOST_TEST(seen.at(1) == "connecting");
  BOOST_TEST(std::count(seen.begin(), seen.end(), "reconnecting") >= 1);
  BOOST_TEST(std::count(seen.begin(), seen.end(), "connecting") == 1);  // only before the first ready

  // The new connection carries frames.
  auto bob_again = connect_bob();
  cli.write_line(notification_to_bob("after").dump());
  auto got = bob_again->receive_type("notification");
  BOOST_TEST_REQUIRE(got.has_value());
  BOOST_TEST((*got)["from"] == alice.id);
  BOOST_TEST((*got)["body"] == "after");

  cli.close_stdin();
  BOOST_TEST(cli.wait_exit() == 0, cli.err());
  BOOST_TEST(states(cli.err()).back() == "closed");
}

BOOST_AUTO_TEST_CASE(sigterm_closes_cleanly) {
  cli_child cli(connect_args());
  BOOST_TEST_REQUIRE(cli.wait_for_err("state: ready"), cli.err());
  cli.signal(SIGTERM);
  BOOST_TEST(cli.wait_exit() == 0, cli.err());
  BOOST_TEST(states(cli.err()) == (names{"standby", "connecting", "ready", "closed"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_newer_connection_replaces_it_and_it_stops) {
  cli_child cli(connect_args({"--backoff-base", "50"}));
  BOOST_TEST_REQUIRE(cli.wait_for_err("state: ready"), cli.err());
  tessera::testkit::ws_client newer;
  BOOST_TEST_REQUIRE(newer.connect(server.ws_port()));
  BOOST_TEST_REQUIRE(tessera::testkit::authenticate(newer, alice.id, alice.key.secret_key).has_value());
  // 4409 is no failure to retry: the CLI stops, and the newer connection stays.
  BOOST_TEST(cli.wait_exit() == 0, cli.err());
  BOOST_TEST(states(cli.err()) == (names{"standby", "connecting", "ready", "closed"}),
             boost::test_tools::per_element());
  BOOST_TEST(!newer.closed());
}

BOOST_AUTO_TEST_SUITE_END()
