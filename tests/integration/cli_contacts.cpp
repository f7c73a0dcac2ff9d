// `tessera contacts ...` through the real binary against a real tesserad:
// add, list, remove, request, requests, accept, reject, signed by the agent's
// key file; human and --json output; errors exit 1 naming the problem.
#include <boost/test/unit_test.hpp>

#include <fstream>

#include "support.hpp"

using namespace tessera::test;
using nlohmann::json;

namespace {

struct fixture {
  temp_dir dir;
  test_database db{dir};
  server_process server{dir, db};
  fixture() { server.start(); }

  int cli(std::vector<std::string> args, std::string& out) {
    args.insert(args.begin(), {binary("tessera"), "--server", server.url()});
    return run_command(args, out);
  }
  json cli_json(std::vector<std::string> args) {
    std::string out;
    args.push_back("--json");
    int rc = cli(args, out);
    BOOST_TEST_REQUIRE(rc == 0, "tessera failed (" << rc << "): " << out);
    return json::parse(out.substr(out.find('{')));
  }
  std::string path(const std::string& name) { return (dir.path / name).string(); }

  /// A key file made by the CLI and its agent registered; returns the id.
  std::string registered(const std::string& name) {
    auto key = path(name + ".key");
    std::string id = cli_json({"keygen", "--out", key})["id"];
    std::ofstream(path(name + ".json")) << json{{"name", name},
                                                {"version", "1"},
                                                {"url", "https://" + name + ".example.com"},
                                                {"protocols", {"a2a"}}}
                                               .dump();
    cli_json({"register", "--key", key, "--card", path(name + ".json")});
    return id;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(cli_contacts, fixture)

BOOST_AUTO_TEST_CASE(add_list_and_remove_contacts) {
  auto a = registered("alpha"), b = registered("beta");
  auto a_key = path("alpha.key"), b_key = path("beta.key");
  std::string out;
  BOOST_REQUIRE_EQUAL(cli({"contacts", "list", "--agent", a_key}, out), 0);
  BOOST_TEST(out.find("no contacts") != std::string::npos, out);

  auto added = cli_json({"contacts", "add", "--agent", a_key, b});
  BOOST_TEST(added["contact_id"] == b);
  BOOST_TEST(added["mutual"] == false);
  BOOST_REQUIRE_EQUAL(cli({"contacts", "add", "--agent", a_key, b}, out), 0);
  BOOST_TEST(out.find("already a contact") != std::string::npos, out);
  BOOST_REQUIRE_EQUAL(cli({"contacts", "add", "--agent", b_key, a}, out), 0);
  BOOST_TEST(out.find("added") != std::string::npos, out);

  auto listed = cli_json({"contacts", "list", "--agent", a_key});
  BOOST_REQUIRE_EQUAL(listed["contacts"].size(), 1u);
  BOOST_TEST(listed["contacts"][0]["mutual"] == true);
  BOOST_REQUIRE_EQUAL(cli({"contacts", "list", "--agent", a_key}, out), 0);
  BOOST_TEST(out.find("MUTUAL") != std::string::npos, out);
  BOOST_TEST(out.find(b + "  yes") != std::string::npos, out);

  auto removed = cli_json({"contacts", "remove", "--agent", a_key, b});
  BOOST_TEST(removed["removed"] == true);
  BOOST_TEST(cli_json({"contacts", "list", "--agent", a_key})["contacts"].empty());
  // Not on the list any more: exit 1 with the server's error.
  BOOST_TEST(cli({"contacts", "remove", "--agent", a_key, b}, out) == 1);
  BOOST_TEST(out.find("not_found") != std::string::npos, out);
  BOOST_TEST(cli({"contacts", "add", "--agent", a_key, a}, out) == 1);
  BOOST_TEST(out.find("contact_id") != std::string::npos, out);
}

BOOST_AUTO_TEST_CASE(requests_accepted_and_rejected) {
  auto a = registered("asker"), b = registered("asked"), c = registered("other");
  auto a_key = path("asker.key"), b_key = path("asked.key"), c_key = path("other.key");
  auto sent = cli_json({"contacts", "request", "--agent", a_key, b, "--message", "hi there"});
  BOOST_TEST(sent["status"] == "pending");
  BOOST_TEST(sent["message"] == "hi there");
  std::string id = sent["id"];

  std::string out;
  BOOST_REQUIRE_EQUAL(cli({"contacts", "requests", "--agent", b_key}, out), 0);
  BOOST_TEST(out.find(id) != std::string::npos, out);
  BOOST_TEST(out.find("FROM") != std::string::npos, out);
  BOOST_TEST(out.find("hi there") != std::string::npos, out);
  auto mine = cli_json({"contacts", "requests", "--agent", a_key, "--sent"});
  BOOST_REQUIRE_EQUAL(mine["requests"].size(), 1u);
  BOOST_TEST(mine["requests"][0]["to_id"] == b);
  BOOST_TEST(cli_json({"contacts", "requests", "--agent", a_key})["requests"].empty());

  // The sender can't answer its own request.
  BOOST_TEST(cli({"contacts", "accept", "--agent", a_key, id}, out) == 1);
  BOOST_TEST(out.find("not_found") != std::string::npos, out);
  auto accepted = cli_json({"contacts", "accept", "--agent", b_key, id});
  BOOST_TEST(accepted["status"] == "accepted");
  BOOST_TEST(cli_json({"contacts", "list", "--agent", a_key})["contacts"][0]["mutual"] == true);
  BOOST_TEST(cli_json({"contacts", "list", "--agent", b_key})["contacts"][0]["contact_id"] == a);

  std::string other = cli_json({"contacts", "request", "--agent", c_key, b})["id"];
  BOOST_REQUIRE_EQUAL(cli({"contacts", "reject", "--agent", b_key, other}, out), 0);
  BOOST_TEST(out.find("rejected") != std::string::npos, out);
  BOOST_TEST(cli_json({"contacts", "list", "--agent", c_key})["contacts"].empty());
  BOOST_TEST(cli({"contacts", "reject", "--agent", b_key, other}, out) == 1);
  BOOST_TEST(out.find("conflict") != std::string::npos, out);

  // Usage errors: no key file, no subcommand.
  BOOST_TEST(cli({"contacts", "list"}, out) != 0);
  BOOST_TEST(cli({"contacts"}, out) != 0);
}

BOOST_AUTO_TEST_CASE(requests_filter_by_status_and_walk_every_page) {
  auto b = registered("recipient");
  auto b_key = path("recipient.key");
  std::vector<std::string> ids;  // oldest first
  for (auto name : {"first", "second", "third"}) {
    registered(name);
    ids.push_back(
        cli_json({"contacts", "request", "--agent", path(std::string(name) + ".key"), b})["id"]);
  }
  cli_json({"contacts", "reject", "--agent", b_key, ids[0]});

  auto pending = cli_json({"contacts", "requests", "--agent", b_key, "--status", "pending"});
  BOOST_REQUIRE_EQUAL(pending["requests"].size(), 2u);
  BOOST_TEST(pending["requests"][0]["id"] == ids[2]);
  auto one = cli_json({"contacts", "requests", "--agent", b_key, "--limit", "1"});
  BOOST_TEST(one["requests"].size() == 1u);
  BOOST_TEST(one["next_page_token"].is_string());
  auto all = cli_json({"contacts", "requests", "--agent", b_key, "--limit", "1", "--all"});
  BOOST_REQUIRE_EQUAL(all["requests"].size(), 3u);
  BOOST_TEST(all["requests"][2]["id"] == ids[0]);
  BOOST_TEST(all["next_page_token"].is_null());
  std::string out;
  BOOST_REQUIRE_EQUAL(cli({"contacts", "requests", "--agent", b_key, "--limit", "1"}, out), 0);
  BOOST_TEST(out.find("--all") != std::string::npos, out);
  BOOST_TEST(cli({"contacts", "requests", "--agent", b_key, "--status", "open"}, out) == 2);
}

BOOST_AUTO_TEST_SUITE_END()
