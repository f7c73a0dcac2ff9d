// The `tessera` account commands against a real tesserad with user accounts:
// login, whoami, the session file, keys create|list|revoke, automatic
// refresh, logout, claim, and their errors.
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <thread>

#include "support.hpp"

using namespace tessera::test;
using nlohmann::json;

namespace {

struct fixture {
  temp_dir dir;
  test_database db{dir};
  server_process server{dir, db, account_settings(dir)};
  account alice;
  fixture() {
    server.start();
    alice = sign_up(server, "alice@example.com", "Alice");
  }

  std::string path(const std::string& name) const { return (dir.path / name).string(); }
  std::string session_path() const { return path("home/session.json"); }

  /// Runs the CLI against `url` (the server by default) with its own
  /// TESSERA_HOME; `input` goes to stdin. Returns the exit code.
  int cli(std::vector<std::string> args, std::string& out, const std::string& input = "",
          std::map<std::string, std::string> env = {}, std::string url = "") {
    args.insert(args.begin(), {binary("tessera"), "--server", url.empty() ? server.url() : url});
    env.emplace("TESSERA_HOME", path("home"));
    env.emplace("TESSERA_API_KEY", "");  // one set by whoever runs the tests must not leak in
    return run_command_with_input(args, input, out, env);
  }
  json cli_json(std::vector<std::string> args, const std::string& input = "",
                std::map<std::string, std::string> env = {}) {
    std::string out;
    args.push_back("--json");
    int rc = cli(args, out, input, env);
    BOOST_TEST_REQUIRE(rc == 0, "tessera failed (" << rc << "): " << out);
    // Notes go to stderr (merged here); the JSON document starts at '{'.
    return json::parse(out.substr(out.find('{')));
  }
  void login() {
    std::string out;
    BOOST_REQUIRE_MESSAGE(
        cli({"login", "--email", alice.email, "--password-stdin"}, out, alice.password + "\n") == 0,
        out);
  }
  /// This server's entry in the session file (null when there is none).
  json saved() const {
    std::ifstream in(session_path());
    if (!in) return nullptr;
    return json::parse(in)["sessions"].value(server.url(), json());
  }
  void edit_saved(const std::function<void(json&)>& change) {
    auto doc = json::parse(std::ifstream(session_path()));
    change(doc["sessions"][server.url()]);
    std::ofstream(session_path()) << doc.dump();
  }
  http_result refresh_with(const std::string& token) const {
    return server.send("POST", "/api/v1/auth/refresh", json{{"refresh_token", token}}.dump(), {});
  }
};

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(cli_auth, fixture)

BOOST_AUTO_TEST_CASE(login_whoami_and_the_session_file) {
  std::string out;
  // A wrong password: exit 1 with the server's answer, and nothing saved.
  BOOST_TEST(cli({"login", "--email", alice.email, "--password-stdin"}, out, "wrong password!\n") ==
             1);
  BOOST_TEST(out.find("invalid_credentials") != std::string::npos, out);
  BOOST_TEST(out.find("email or password is wrong") != std::string::npos, out);
  BOOST_TEST(saved().is_null());
  // Without --password-stdin a password is only read from a terminal.
  BOOST_TEST(cli({"login", "--email", alice.email}, out, alice.password + "\n") == 2, out);
  BOOST_TEST(cli({"whoami"}, out) == 1);
  BOOST_TEST(out.find("not_logged_in") != std::string::npos, out);

  auto logged_in =
      cli_json({"login", "--email", alice.email, "--password-stdin"}, alice.password + "\n");
  BOOST_TEST(logged_in["user"]["id"] == alice.id);
  BOOST_TEST(logged_in.dump().find("tsr_") == std::string::npos);  // no token on stdout

  BOOST_TEST(mode_of(session_path()) == 0600u);
  BOOST_TEST(mode_of(path("home/session.json.lock")) == 0600u);
  auto text = file_text(session_path());
  BOOST_TEST(text.find(alice.password) == std::string::npos);
  auto entry = saved();
  BOOST_TEST(entry["server"] == server.url());
  BOOST_TEST(entry["refresh_token"].get<std::string>().rfind("tsr_", 0) == 0u);
  BOOST_TEST(entry["user"]["email"] == alice.email);
  BOOST_TEST(entry["access_expires_at"].is_string());

  auto me = cli_json({"whoami"});
  BOOST_TEST(me["id"] == alice.id);
  BOOST_TEST(me["email"] == alice.email);
  BOOST_REQUIRE_EQUAL(cli({"whoami"}, out), 0);
  BOOST_TEST(out.find(alice.email) != std::string::npos, out);
  BOOST_TEST(out.find("tsr_") == std::string::npos, out);
  BOOST_TEST(out.find(entry["access_token"].get<std::string>()) == std::string::npos, out);
}

BOOST_AUTO_TEST_CASE(api_keys_create_list_revoke) {
  login();
  auto created = cli_json({"keys", "create", "--name", "ci", "--expires", "2099-01-01T00:00:00Z"});
  std::string key = created["key"], id = created["id"];
  BOOST_TEST(key.rfind("tsk_", 0) == 0u);
  BOOST_TEST(created["name"] == "ci");
  BOOST_TEST(server.get("/api/v1/auth/me", bearer(key)).status == 200);

  auto listed = cli_json({"keys", "list"});
  BOOST_REQUIRE_EQUAL(listed["api_keys"].size(), 1u);
  BOOST_TEST(listed["api_keys"][0]["id"] == id);
  BOOST_TEST(listed.dump().find(key) == std::string::npos);
  std::string out;
  BOOST_REQUIRE_EQUAL(cli({"keys", "list"}, out), 0);
  BOOST_TEST(out.find(id) != std::string::npos, out);

  // TESSERA_API_KEY stands in for the session (here: no session at all).
  auto as_key =
      cli_json({"whoami"}, "", {{"TESSERA_API_KEY", key}, {"TESSERA_HOME", path("nobody")}});
  BOOST_TEST(as_key["id"] == alice.id);

  BOOST_REQUIRE_EQUAL(cli({"keys", "revoke", id}, out), 0);
  BOOST_TEST(server.get("/api/v1/auth/me", bearer(key)).status == 401);
  BOOST_TEST(cli_json({"keys", "list"})["api_keys"].empty());
  BOOST_TEST(cli({"keys", "revoke", id}, out) == 1);
  BOOST_TEST(out.find("not_found") != std::string::npos, out);
  // An unusable expiry is the server's to reject, with its message.
  BOOST_TEST(cli({"keys", "create", "--name", "old", "--expires", "2001-01-01T00:00:00Z"}, out) ==
             1);
  BOOST_TEST(out.find("expires_at") != std::string::npos, out);
}

BOOST_AUTO_TEST_CASE(an_expired_access_token_is_refreshed_and_saved) {
  login();
  auto before = saved();
  // Expired by our clock: refreshed before the request.
  edit_saved([](json& s) { s["access_expires_at"] = "2000-01-01T00:00:00Z"; });
  BOOST_TEST(cli_json({"whoami"})["id"] == alice.id);
  auto after = saved();
  BOOST_TEST(after["refresh_token"] != before["refresh_token"]);
  BOOST_TEST(after["access_token"] != before["access_token"]);
  BOOST_TEST(after["access_expires_at"].get<std::string>() > "2001");
  BOOST_TEST(mode_of(session_path()) == 0600u);

  // Rejected by the server although our clock says it is fine: refreshed on the 401.
  edit_saved([](json& s) { s["access_token"] = "not.a.jwt"; });
  BOOST_TEST(cli_json({"whoami"})["id"] == alice.id);
  auto again = saved();
  BOOST_TEST(again["refresh_token"] != after["refresh_token"]);
  BOOST_TEST(again["access_token"] != "not.a.jwt");

  // A refresh token the server no longer accepts ends the saved session.
  edit_saved([](json& s) {
    s["access_expires_at"] = "2000-01-01T00:00:00Z";
    s["refresh_token"] = "tsr_" + std::string(43, 'A');
  });
  std::string out;
  BOOST_TEST(cli({"whoami"}, out) == 1);
  BOOST_TEST(out.find("invalid_credentials") != std::string::npos, out);
  BOOST_TEST(out.find("tessera login") != std::string::npos, out);
  BOOST_TEST(saved().is_null());
}

BOOST_AUTO_TEST_CASE(concurrent_runs_refresh_once) {
  login();
  edit_saved([](json& s) { s["access_expires_at"] = "2000-01-01T00:00:00Z"; });
  // Without the session file's lock both would present the same refresh
  // token, and the server would take the second use for theft and end the
  // sign-in.
  constexpr int runs = 4;
  std::vector<int> rc(runs);
  std::vector<std::string> out(runs);
  std::vector<std::thread> threads;
  for (int i = 0; i < runs; ++i) threads.emplace_back([&, i] { rc[i] = cli({"whoami"}, out[i]); });
  for (auto& t : threads) t.join();
  for (int i = 0; i < runs; ++i) BOOST_TEST(rc[i] == 0, out[i]);
  BOOST_TEST(cli_json({"whoami"})["id"] == alice.id);
  BOOST_TEST(refresh_with(saved()["refresh_token"]).status == 200);  // the family lives on
}

BOOST_AUTO_TEST_CASE(logout_revokes_the_refresh_token) {
  login();
  std::string refresh = saved()["refresh_token"];
  std::string out;
  BOOST_REQUIRE_MESSAGE(cli({"logout"}, out) == 0, out);
  BOOST_TEST(saved().is_null());
  auto rejected = refresh_with(refresh);
  BOOST_TEST(rejected.status == 401);
  BOOST_TEST(rejected.error_code() == "invalid_credentials");
  BOOST_TEST(cli({"whoami"}, out) == 1);
  BOOST_TEST(out.find("not_logged_in") != std::string::npos, out);
  BOOST_TEST(cli({"logout"}, out) == 0, out);  // nothing to do is fine

  // With an expired access token logout refreshes first and revokes the new token.
  login();
  edit_saved([](json& s) { s["access_expires_at"] = "2000-01-01T00:00:00Z"; });
  BOOST_REQUIRE_MESSAGE(cli({"logout"}, out) == 0, out);
  BOOST_TEST(saved().is_null());
}

BOOST_AUTO_TEST_CASE(claim_binds_the_agent_to_the_user) {
  std::string out;
  auto key = path("agent.key");
  BOOST_REQUIRE_EQUAL(cli({"keygen", "--out", key}, out), 0);
  std::ofstream(path("card.json")) << json{
      {"name", "Claimed agent"},
      {"version", "1.0.0"},
      {"url", "https://claimed.example.com"},
      {"protocols", {"a2a"}}}.dump();
  auto registered = cli_json({"register", "--key", key, "--card", path("card.json")});
  std::string id = registered["id"];

  BOOST_TEST(cli({"claim", "--key", key}, out) == 1);  // not signed in yet
  BOOST_TEST(out.find("not_logged_in") != std::string::npos, out);
  login();
  auto claimed = cli_json({"claim", "--key", key});
  BOOST_TEST(claimed["id"] == id);
  BOOST_TEST(claimed["owner_id"] == alice.id);
  BOOST_TEST(claimed.dump().find("tsc_") == std::string::npos);

  auto mine = server.get("/api/v1/provider/agents", alice.auth());
  BOOST_REQUIRE_EQUAL(mine.status, 200);
  BOOST_TEST(mine.body.find(id) != std::string::npos, mine.body);

  // A key scoped to the now-owned agent can be made.
  BOOST_TEST(cli_json({"keys", "create", "--name", "agent", "--agent", id})["agent_id"] == id);
}

BOOST_AUTO_TEST_CASE(directory_reads_go_as_the_user_when_the_server_requires_auth) {
  temp_dir strict_dir;
  test_database strict_db{strict_dir};
  server_process strict{strict_dir, strict_db,
                        account_settings(strict_dir, {{"auth.required", "true"}})};
  strict.start();
  auto bob = sign_up(strict, "bob@example.com", "Bob");
  std::string out;
  BOOST_TEST(cli({"agents", "list"}, out, "", {}, strict.url()) == 1, out);
  BOOST_TEST(out.find("auth.required") != std::string::npos, out);
  BOOST_REQUIRE_MESSAGE(cli({"login", "--email", bob.email, "--password-stdin"}, out,
                            bob.password + "\n", {}, strict.url()) == 0,
                        out);
  BOOST_TEST(cli({"agents", "list"}, out, "", {}, strict.url()) == 0, out);
}

BOOST_AUTO_TEST_CASE(an_unreachable_server_is_exit_3) {
  std::string out;
  auto nowhere = "http://127.0.0.1:" + std::to_string(free_port());
  BOOST_TEST(cli({"login", "--email", alice.email, "--password-stdin"}, out, alice.password + "\n",
                 {}, nowhere) == 3,
             out);
  login();
  server.stop();
  BOOST_TEST(cli({"whoami"}, out) == 3, out);
  // Logout still forgets the session here, and says the server did not revoke it.
  BOOST_TEST(cli({"logout"}, out) == 3, out);
  BOOST_TEST(out.find("local session was deleted") != std::string::npos, out);
  BOOST_TEST(saved().is_null());
}

BOOST_AUTO_TEST_SUITE_END()
