// tesserad's start-up: configuration errors stop it with every problem named,
// ${VAR} substitution, --print-config with secrets redacted, what --dev lets
// through, and `tesserad admin create`.
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "protocol/password.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "storage/user_repository.hpp"
#include "support.hpp"

using namespace tessera::test;

namespace {

// A config with accounts on. Its database directory does not exist, so a tesserad that got
// past the start-up checks would fail on the database (exit 1) rather than serve forever.
std::filesystem::path accounts_config(const temp_dir& dir, const std::string& user_auth) {
  auto path = dir.path / "accounts.yaml";
  std::ofstream(path) << "server:\n  http_addr: \"127.0.0.1:" << free_port() << "\"\n"
                      << "database:\n  dsn: \"" << (dir.path / "missing" / "t.db").string()
                      << "\"\n"
                      << "user_auth:\n" << user_auth;
  return path;
}

// tesserad with `args` until /api/v1/health answers on `port` (true) or it exits or 15 s pass
// (false), then SIGTERM. The shared launcher (server_process) takes no extra arguments.
bool starts_healthy(const std::vector<std::string>& args, int port,
                    const std::filesystem::path& log) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::string log_path = log.string();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // don't outlive a killed test
    int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(std::chrono::milliseconds(200));
  bool healthy = false, exited = false;
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  int status = 0;
  while (!healthy && !exited && std::chrono::steady_clock::now() < give_up) {
    auto res = cli.Get("/api/v1/health");
    healthy = res && res->status == 200;
    exited = !healthy && ::waitpid(pid, &status, WNOHANG) == pid;
    if (!healthy && !exited) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!exited) {
    ::kill(pid, SIGTERM);
    ::waitpid(pid, &status, 0);
  }
  return healthy;
}

struct admin_store {
  explicit admin_store(const temp_dir& dir) : db(dir), config(dir.path / "admin.yaml") {
    std::ofstream(config) << "database:\n  driver: " << db.driver << "\n  dsn: \"" << db.dsn
                          << "\"\n"
                          // The cheapest hash the config allows, to keep the test quick.
                          << "user_auth:\n  password_hash_ops: 1\n"
                          << "  password_hash_memory: 8KiB\n";
  }

  // `tesserad admin create --email E` with `password` written to its stdin.
  int create(const std::string& email, const std::string& password, std::string& out) const {
    return run_command_with_input(
        {binary("tesserad"), "admin", "create", "--email", email, "--config", config.string()},
        password, out);
  }

  std::unique_ptr<tessera::storage::session> session() const {
    return tessera::storage::open_session({.driver = db.driver, .dsn = db.dsn},
                                          tessera::storage::session_role::writer);
  }

  test_database db;
  std::filesystem::path config;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(tesserad_config)

BOOST_AUTO_TEST_CASE(every_problem_is_reported_and_start_up_stops) {
  temp_dir dir;
  auto path = dir.path / "bad.yaml";
  std::ofstream(path) << "server:\n  http_adr: \":8080\"\n  http_threads: zero\n"
                         "database:\n  driver: mysql\n  dsn: \"${TESSERA_TEST_UNSET_VAR}\"\n";
  std::string out;
  int rc = run_command({binary("tesserad"), "--config", path.string()}, out);
  BOOST_TEST(rc == 2);
  for (auto key : {"server.http_adr", "server.http_threads", "database.driver", "database.dsn",
                   "TESSERA_TEST_UNSET_VAR"})
    BOOST_TEST(out.find(key) != std::string::npos, "output should name " << key << ":\n" << out);
  BOOST_TEST(out.find("did you mean server.http_addr") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(print_config_substitutes_and_redacts) {
  temp_dir dir;
  auto path = dir.path / "pg.yaml";
  std::ofstream(path) << "database:\n  driver: postgres\n"
                         "  dsn: \"host=db user=tessera password=${TESSERA_TEST_PW}\"\n"
                         "server:\n  http_threads: ${TESSERA_TEST_THREADS:-12}\n";
  std::string out;
  int rc = run_command({binary("tesserad"), "--config", path.string(), "--print-config"}, out,
                       {{"TESSERA_TEST_PW", "s3cret-value"}});
  BOOST_TEST(rc == 0, out);
  BOOST_TEST(out.find("s3cret-value") == std::string::npos);
  BOOST_TEST(out.find("password=***") != std::string::npos, out);
  BOOST_TEST(out.find("http_threads: 12") != std::string::npos, out);
}

BOOST_AUTO_TEST_CASE(an_unreachable_database_stops_start_up_with_a_message) {
  temp_dir dir;
  auto path = dir.path / "down.yaml";
  std::ofstream(path) << "server:\n  http_addr: \"127.0.0.1:" << free_port() << "\"\n"
                      << "database:\n  driver: postgres\n  dsn: \"host=127.0.0.1 port="
                      << free_port() << " connect_timeout=2\"\n";
  std::string out;
  int rc = run_command({binary("tesserad"), "--config", path.string()}, out);
  BOOST_TEST(rc == 1);
  BOOST_TEST(out.find("startup failed: database (postgres)") != std::string::npos, out);
}

BOOST_AUTO_TEST_CASE(accounts_without_a_jwt_secret_stop_start_up) {
  temp_dir dir;
  std::string out;
  int rc = run_command(
      {binary("tesserad"), "--config", accounts_config(dir, "  enabled: true\n").string()}, out);
  BOOST_TEST(rc == 2, out);
  BOOST_TEST(out.find("user_auth.jwt_secret: must be set") != std::string::npos, out);
  BOOST_TEST(out.find("openssl rand -base64 48") != std::string::npos, out);
}

BOOST_AUTO_TEST_CASE(a_short_jwt_secret_stops_start_up_even_with_dev) {
  temp_dir dir;
  auto config = accounts_config(dir, "  enabled: true\n  jwt_secret: \"${SECRET}\"\n");
  for (bool dev : {false, true}) {
    std::vector<std::string> args = {binary("tesserad"), "--config", config.string()};
    if (dev) args.push_back("--dev");
    std::string out;
    int rc = run_command(args, out, {{"SECRET", "tenbytes!!"}});
    BOOST_TEST(rc == 2, out);
    BOOST_TEST(out.find("user_auth.jwt_secret: must be at least 32 bytes, got 10") !=
                   std::string::npos,
               out);
    BOOST_TEST(out.find("tenbytes") == std::string::npos, out);
  }
}

BOOST_AUTO_TEST_CASE(dev_starts_without_a_jwt_secret) {
  temp_dir dir;
  test_database db(dir);
  int port = free_port();
  auto config = dir.path / "dev.yaml";
  std::ofstream(config) << "server:\n  http_addr: \"127.0.0.1:" << port << "\"\n"
                        << "database:\n  driver: " << db.driver << "\n  dsn: \"" << db.dsn
                        << "\"\nuser_auth:\n  enabled: true\n";
  auto log = dir.path / "dev.log";
  bool healthy = starts_healthy({binary("tesserad"), "--dev", "--config", config.string()}, port,
                                log);
  std::stringstream text;
  text << std::ifstream(log).rdbuf();
  BOOST_TEST(healthy, text.str());
  BOOST_TEST(text.str().find("tokens won't survive a restart") != std::string::npos, text.str());
}

BOOST_AUTO_TEST_CASE(admin_create_makes_an_admin) {
  temp_dir dir;
  admin_store store(dir);
  std::string out;
  int rc = store.create("  Root@Example.COM ", "a long enough passphrase\n", out);
  BOOST_TEST_REQUIRE(rc == 0, out);
  BOOST_TEST(out.find("passphrase") == std::string::npos, out);
  std::string id = out.substr(0, out.find('\n'));
  BOOST_TEST(id.starts_with("usr_"), out);

  auto sql = store.session();
  auto user = tessera::storage::users::find_by_email(*sql, "root@example.com");
  BOOST_TEST_REQUIRE(user.has_value());
  BOOST_TEST(user->id == id);
  BOOST_TEST(user->role == "admin");
  BOOST_TEST(user->password_hash.starts_with("$argon2id$"));
  // The trailing newline was not part of the password.
  BOOST_TEST(tessera::password::verify("a long enough passphrase", user->password_hash));

  // A line from a file saved on Windows, and one without a line end, mean the same.
  BOOST_TEST(store.create("second@example.com", "another passphrase\r\n", out) == 0, out);
  BOOST_TEST(store.create("third@example.com", "another passphrase", out) == 0, out);
  for (const char* email : {"second@example.com", "third@example.com"}) {
    auto other = tessera::storage::users::find_by_email(*sql, email);
    BOOST_TEST_REQUIRE(other.has_value(), email);
    BOOST_TEST(tessera::password::verify("another passphrase", other->password_hash), email);
  }
  BOOST_TEST(tessera::storage::users::count(*sql, "admin") == 3u);
}

BOOST_AUTO_TEST_CASE(admin_create_refuses_bad_input_and_writes_nothing) {
  temp_dir dir;
  admin_store store(dir);
  struct attempt {
    std::string email, password, says;
  };
  std::vector<attempt> attempts = {
      {"a@example.com", "short\n", "password: at least 10 characters"},
      {"a@example.com", "password123\n", "password: too common"},
      {"a@example.com", "", "no password on stdin"},
      {"a@example.com", "\n", "no password on stdin"},
      {"not-an-email", "a long enough passphrase\n", "--email"},
      {"a@b@example.com", "a long enough passphrase\n", "--email"},
      {"a@localhost", "a long enough passphrase\n", "--email"},
  };
  for (const auto& [email, password, says] : attempts) {
    std::string out;
    BOOST_TEST(store.create(email, password, out) == 2, email << ": " << out);
    BOOST_TEST(out.find(says) != std::string::npos, out);
  }
  auto sql = store.session();
  tessera::storage::migrate(*sql, tessera::storage::dialect_of({.driver = store.db.driver}));
  BOOST_TEST(tessera::storage::users::count(*sql) == 0u);
}

BOOST_AUTO_TEST_CASE(admin_create_never_takes_over_an_existing_email) {
  temp_dir dir;
  admin_store store(dir);
  {
    auto sql = store.session();
    tessera::storage::migrate(*sql, tessera::storage::dialect_of({.driver = store.db.driver}));
    tessera::user_record user;
    user.id = "usr_existing";
    user.email = "someone@example.com";
    user.password_hash = "x";
    BOOST_TEST_REQUIRE(tessera::storage::users::insert(*sql, user));
  }
  std::string out;
  int rc = store.create("SomeOne@example.com", "a long enough passphrase\n", out);
  BOOST_TEST(rc == 1, out);
  BOOST_TEST(out.find("a user with this email exists") != std::string::npos, out);

  auto sql = store.session();
  auto user = tessera::storage::users::find_by_email(*sql, "someone@example.com");
  BOOST_TEST_REQUIRE(user.has_value());
  BOOST_TEST(user->role == "user");  // not promoted
  BOOST_TEST(user->password_hash == "x");
  BOOST_TEST(tessera::storage::users::count(*sql) == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
