// An agent's reputation through a real tesserad: registration and heartbeats
// reach the log, and the route refuses ids it can't know.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <thread>

#include "support.hpp"

using namespace tessera::test;
using nlohmann::json;

namespace {

struct fixture {
  temp_dir dir;
  test_database db{dir};
  server_process server{dir, db, {}};
  fixture() { server.start(); }

  std::string path(const agent& a, const std::string& query = "") {
    return "/api/v1/directory/" + a.id + "/reputation" + query;
  }

  /// Polls the reputation until it shows `n` events: scoring runs after the
  /// registration was answered.
  json wait_for_events(const agent& a, int64_t n) {
    json body;
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < until) {
      auto res = server.get(path(a));
      BOOST_REQUIRE_MESSAGE(res.status == 200, res.body);
      body = res.json();
      if (body["events"] == n)
        return body;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    BOOST_FAIL("expected " << n << " events, last answer " << body.dump());
    return body;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(reputation, fixture)

BOOST_AUTO_TEST_CASE(registration_and_heartbeats_are_scored) {
  agent a;
  auto reg = a.register_at(server, a.sign(a.card("Scored")));
  BOOST_REQUIRE_MESSAGE(reg.status == 201, reg.body);
  auto body = wait_for_events(a, 1);
  BOOST_TEST(body["id"] == a.id);
  BOOST_TEST(body["score"].get<double>() == 0.5);
  BOOST_TEST(body["tier"] == "normal");
  BOOST_TEST(body["updated_at"].is_string());
  BOOST_REQUIRE(body["history"].size() == 1u);
  BOOST_TEST(body["history"][0]["kind"] == "registered");
  BOOST_TEST(body["history"][0]["score_before"].get<double>() == 0.5);
  BOOST_TEST(body["history"][0]["score_after"].get<double>() == 0.5);
  BOOST_TEST(body["next_before"].is_null());

  auto hb = a.heartbeat(server);
  BOOST_REQUIRE_MESSAGE(hb.status == 200, hb.body);
  body = wait_for_events(a, 2);
  BOOST_TEST(body["history"][0]["kind"] == "heartbeat_kept");
  BOOST_TEST(body["score"].get<double>() > 0.5);

  // Paging: one entry at a time, newest first, then the older one.
  auto first = server.get(path(a, "?limit=1"));
  BOOST_REQUIRE_EQUAL(first.status, 200);
  auto page = first.json();
  BOOST_REQUIRE(page["history"].size() == 1u);
  BOOST_REQUIRE(page["next_before"].is_number());
  auto second = server.get(path(a, "?limit=1&before=" + page["next_before"].dump()));
  BOOST_REQUIRE_EQUAL(second.status, 200);
  BOOST_REQUIRE(second.json()["history"].size() == 1u);
  BOOST_TEST(second.json()["history"][0]["kind"] == "registered");
}

BOOST_AUTO_TEST_CASE(deregistering_and_registering_again_keeps_the_reputation) {
  // A bad name can't be washed off by leaving and coming back under the same key.
  agent a;
  BOOST_REQUIRE_EQUAL(a.register_at(server, a.sign(a.card("Flaky"))).status, 201);
  BOOST_REQUIRE_EQUAL(a.heartbeat(server).status, 200);
  auto before = wait_for_events(a, 2);
  auto target = "/api/v1/agents/" + a.id;
  auto gone = server.send("DELETE", target, "", a.sign_request("DELETE", target, ""));
  BOOST_REQUIRE_MESSAGE(gone.status == 204, gone.body);
  BOOST_TEST(server.get(path(a)).status == 404);  // no public reputation while away
  BOOST_REQUIRE_EQUAL(a.register_at(server, a.sign(a.card("Flaky again"))).status, 201);
  auto after = wait_for_events(a, 3);  // the old log, plus this registration
  BOOST_REQUIRE(after["history"].size() == 3u);
  BOOST_TEST(after["history"][0]["kind"] == "registered");
  BOOST_TEST(after["history"][1]["kind"] == "heartbeat_kept");
  BOOST_TEST(after["history"][0]["score_before"].get<double>() ==
                 before["history"][0]["score_after"].get<double>(),
             boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(unknown_and_malformed_ids_are_not_found) {
  agent never_registered;
  BOOST_TEST(server.get(path(never_registered)).status == 404);
  BOOST_TEST(server.get("/api/v1/directory/not-an-id/reputation").status == 404);
  BOOST_TEST(server.get("/api/v1/directory/z6Mk%27%3B--/reputation").status == 404);
}

BOOST_AUTO_TEST_CASE(bad_paging_parameters_are_refused) {
  agent a;
  BOOST_REQUIRE_EQUAL(a.register_at(server, a.sign(a.card())).status, 201);
  BOOST_TEST(server.get(path(a, "?limit=0")).status == 400);
  BOOST_TEST(server.get(path(a, "?limit=201")).status == 400);
  BOOST_TEST(server.get(path(a, "?before=-1")).status == 400);
  BOOST_TEST(server.get(path(a, "?before=x")).status == 400);
  BOOST_TEST(server.get(path(a, "?sort=score")).status == 400);
}

BOOST_AUTO_TEST_SUITE_END()
