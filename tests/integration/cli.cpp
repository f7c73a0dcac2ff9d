// The `tessera` CLI against a real tesserad: keygen, card sign, register,
// heartbeat, agents get/list, update, deregister; and its errors.
#include <boost/test/unit_test.hpp>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "protocol/agent_card.hpp"
#include "support.hpp"

using namespace tessera::test;
using nlohmann::json;

namespace {

struct fixture {
  temp_dir dir;
  test_database db{dir};
  server_process server{dir, db};
  fixture() { server.start(); }

  /// Runs the CLI against the server; returns its exit code, output in `out`.
  int cli(std::vector<std::string> args, std::string& out) {
    args.insert(args.begin(), {binary("tessera"), "--server", server.url()});
    return run_command(args, out);
  }
  json cli_json(std::vector<std::string> args) {
    std::string out;
    args.push_back("--json");
    int rc = cli(args, out);
    BOOST_TEST_REQUIRE(rc == 0, "tessera failed (" << rc << "): " << out);
    // Notes go to stderr (merged here); the JSON document starts at '{'.
    return json::parse(out.substr(out.find('{')));
  }
  std::string path(const std::string& name) { return (dir.path / name).string(); }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(cli, fixture)

BOOST_AUTO_TEST_CASE(round_trip) {
  auto key = path("agent.key");
  auto made = cli_json({"keygen", "--out", key});
  std::string id = made["id"];
  BOOST_TEST(id.rfind("z6Mk", 0) == 0);
  struct stat st {};
  BOOST_REQUIRE(::stat(key.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600);
  std::string out;
  BOOST_TEST(cli({"keygen", "--out", key}, out) != 0);  // never overwrites silently

  std::ofstream(path("card.json")) << json{{"name", "CLI agent"},
                                           {"version", "2.0.0"},
                                           {"url", "https://cli.example.com"},
                                           {"protocols", {"mcp"}},
                                           {"tags", {"cli"}}}
                                          .dump();
  BOOST_REQUIRE_EQUAL(cli({"card", "sign", "--key", key, "--in", path("card.json"), "--out",
                           path("signed.json")},
                          out),
                      0);
  json signed_card = json::parse(std::ifstream(path("signed.json")));
  tessera::problem err;
  auto parsed = tessera::card::parse(signed_card, err);
  BOOST_REQUIRE_MESSAGE(parsed, err.message);
  BOOST_TEST(parsed->id == id);

  auto registered = cli_json({"register", "--key", key, "--card", path("signed.json")});
  BOOST_TEST(registered["id"] == id);
  BOOST_TEST(registered["card"] == signed_card);  // the server keeps what the CLI signed

  auto beat = cli_json({"heartbeat", "--key", key});
  BOOST_TEST(beat["status"] == "online");

  auto got = cli_json({"agents", "get", id});
  BOOST_TEST(got["name"] == "CLI agent");
  auto listed = cli_json({"agents", "list", "--protocol", "mcp"});
  BOOST_REQUIRE_EQUAL(listed["agents"].size(), 1u);
  BOOST_TEST(listed["agents"][0]["id"] == id);

  // Human output names the agent too.
  BOOST_REQUIRE_EQUAL(cli({"agents", "get", id}, out), 0);
  BOOST_TEST(out.find("CLI agent") != std::string::npos);

  std::ofstream(path("card2.json")) << json{{"name", "CLI agent v3"},
                                            {"version", "3.0.0"},
                                            {"url", "https://cli.example.com"},
                                            {"protocols", {"mcp", "a2a"}}}
                                           .dump();
  auto updated = cli_json({"update", "--key", key, "--card", path("card2.json")});
  BOOST_TEST(updated["name"] == "CLI agent v3");

  BOOST_REQUIRE_EQUAL(cli({"deregister", "--key", key}, out), 0);
  BOOST_TEST(cli({"agents", "get", id}, out) == 1);
  BOOST_TEST(out.find("not_found") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(heartbeat_every_and_list_all) {
  auto key = path("beat.key");
  std::string out;
  BOOST_REQUIRE_EQUAL(cli({"keygen", "--out", key}, out), 0);
  std::ofstream(path("beat.json")) << json{{"name", "Beater"},
                                           {"version", "1"},
                                           {"url", "https://beat.example.com"},
                                           {"protocols", {"http"}}}
                                          .dump();
  BOOST_REQUIRE_EQUAL(cli({"register", "--key", key, "--card", path("beat.json")}, out), 0);
  // --every loops until a signal; timeout(1) sends SIGTERM after 2.5 s, which
  // the CLI answers by exiting 0.
  int rc = run_command({"/usr/bin/timeout", "--preserve-status", "2.5", binary("tessera"),
                        "--server", server.url(), "heartbeat", "--key", key, "--every", "1s",
                        "--json"},
                       out);
  BOOST_TEST(rc == 0, out);
  size_t beats = 0;
  for (size_t at = out.find("\"status\":\"online\""); at != std::string::npos;
       at = out.find("\"status\":\"online\"", at + 1))
    ++beats;
  BOOST_TEST(beats >= 2u, out);

  // --all follows next_page_token: three agents in pages of one.
  for (int i = 0; i < 2; ++i) {
    agent a;
    BOOST_REQUIRE_EQUAL(a.register_at(server, a.sign(a.card())).status, 201);
  }
  auto all = cli_json({"agents", "list", "--limit", "1", "--all"});
  BOOST_TEST(all["agents"].size() == 3u);
  BOOST_TEST(all["next_page_token"].is_null());
}

BOOST_AUTO_TEST_CASE(errors_have_distinct_exit_codes) {
  std::string out;
  // An unreachable server: exit 3.
  int rc = run_command({binary("tessera"), "--server", "http://127.0.0.1:" +
                        std::to_string(free_port()), "agents", "list"}, out);
  BOOST_TEST(rc == 3, out);
  // A usage error: exit 2.
  BOOST_TEST(cli({"agents", "frobnicate"}, out) == 2);
  // A server error: exit 1, the code on stderr.
  BOOST_TEST(cli({"agents", "get", agent{}.id}, out) == 1);
  BOOST_TEST(out.find("not_found") != std::string::npos);
  // A missing key file names the file.
  BOOST_TEST(cli({"heartbeat", "--key", path("missing.key")}, out) != 0);
  BOOST_TEST(out.find("missing.key") != std::string::npos);
}


BOOST_AUTO_TEST_CASE(watch_prints_events_and_resumes_after_an_id) {
  agent a, other;
  BOOST_REQUIRE_EQUAL(a.register_at(server, a.sign(a.card("Watched"))).status, 201);
  BOOST_REQUIRE_EQUAL(other.register_at(server, other.sign(other.card("Other"))).status, 201);
  std::string out;
  int rc = -1;
  std::atomic<bool> finished{false};
  std::thread watcher([&] {
    rc = cli({"agents", "watch", "--id", a.id, "--count", "2", "--json"}, out);
    finished = true;
  });
  // Updates until the watch has printed two of them (it may connect late).
  auto target = "/api/v1/agents/" + a.id;
  for (int i = 0; i < 100 && !finished; ++i) {
    auto body = a.sign(a.card("Watched " + std::to_string(i))).dump();
    other.heartbeat(server);  // events of another agent are filtered out
    BOOST_REQUIRE_EQUAL(server.send("PUT", target, body, a.sign_request("PUT", target, body)).status,
                        200);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  watcher.join();
  BOOST_REQUIRE_MESSAGE(rc == 0, out);
  std::vector<json> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);)
    lines.push_back(json::parse(line));
  BOOST_REQUIRE_EQUAL(lines.size(), 2u);
  for (auto& l : lines) {
    BOOST_TEST(l["event"] == "agent_updated");
    BOOST_TEST(l["data"]["id"] == a.id);
  }
  auto first = lines[0]["id"].get<std::string>(), second = lines[1]["id"].get<std::string>();
  BOOST_TEST(std::stoll(second) > std::stoll(first));

  // Resuming after the first gives the second again, from the history.
  BOOST_REQUIRE_EQUAL(cli({"agents", "watch", "--id", a.id, "--count", "1", "--json",
                           "--last-event-id", first}, out), 0);
  BOOST_TEST(json::parse(out)["id"] == second);
  // The human form: time, event, agent id, name.
  BOOST_REQUIRE_EQUAL(cli({"agents", "watch", "--id", a.id, "--count", "1",
                           "--last-event-id", first}, out), 0);
  BOOST_TEST(out.find("agent_updated  " + a.id + "  Watched") != std::string::npos, out);
  // The server's error, named.
  BOOST_TEST(cli({"agents", "watch", "--protocol", "ftp"}, out) == 1);
  BOOST_TEST(out.find("protocol") != std::string::npos, out);
}

BOOST_AUTO_TEST_SUITE_END()
