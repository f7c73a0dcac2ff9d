// The replay window under attack, through a real tesserad: signed requests
// from fresh (unregistered) keys must not fill the window that registered
// agents need, and one registered key can't take it for the others. The
// window's capacity is configured small (10,000) so the flood runs in seconds.
// By hand, at the default capacity (1,000,000) with 1.1 million requests:
//   TESSERA_REPLAY_FLOOD_FULL=1 build/tests_integration --run_test=replay_flood/fresh_keys_cannot_fill_the_window
// with the skew raised as a pre-signing attacker would need (it takes minutes).
#include <boost/test/unit_test.hpp>

#include <cstdlib>

#include "support.hpp"

using namespace tessera::test;

namespace {

const bool full_size = std::getenv("TESSERA_REPLAY_FLOOD_FULL") != nullptr;
const int capacity = full_size ? 1'000'000 : 10'000;
constexpr int per_key = 50;

std::map<std::string, std::string> flood_settings() {
  std::map<std::string, std::string> s{{"auth.replay_capacity", std::to_string(capacity)},
                                       {"auth.replay_per_key", std::to_string(per_key)},
                                       {"rate_limit.enabled", "false"}};
  if (full_size)
    s["auth.signature_max_skew"] = "1h";
  return s;
}

struct fixture {
  temp_dir dir;
  test_database db{dir};
  server_process server{dir, db, flood_settings()};
  fixture() { server.start(); }

  /// `count` heartbeats, each signed by a fresh key for its own (unregistered)
  /// agent id, on one keep-alive connection; returns how many got `status`.
  int fresh_key_heartbeats(int count, int status) {
    httplib::Client cli("127.0.0.1", server.port());
    cli.set_keep_alive(true);
    int matching = 0;
    for (int i = 0; i < count; ++i) {
      agent stranger;
      auto target = "/api/v1/agents/" + stranger.id + "/heartbeat";
      auto res = cli.Post(target.c_str(), stranger.sign_request("POST", target, ""), "", "");
      if (res && res->status == status)
        ++matching;
    }
    return matching;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(replay_flood, fixture)

// Before: every fresh key's nonce was recorded first, and past the capacity
// every agent's signed request got 503.
BOOST_AUTO_TEST_CASE(fresh_keys_cannot_fill_the_window) {
  agent a;
  BOOST_REQUIRE_EQUAL(a.register_at(server, a.sign(a.card())).status, 201);
  int flood = capacity + capacity / 10;
  BOOST_TEST(fresh_key_heartbeats(flood, 404) == flood);
  // Had the flood's nonces been kept, the window (10,000) would be full: 503.
  auto res = a.heartbeat(server);
  BOOST_TEST(res.status == 200, res.body);
  // And the refusal says why.
  agent stranger;
  auto target = "/api/v1/agents/" + stranger.id + "/heartbeat";
  auto refused = server.send("POST", target, "", stranger.sign_request("POST", target, ""));
  BOOST_TEST(refused.status == 404);
  BOOST_TEST(refused.error_message().find(stranger.id) != std::string::npos, refused.body);
}

// A registered key past its quota gets 429; another agent's requests go on.
BOOST_AUTO_TEST_CASE(one_key_past_its_quota_is_limited_alone) {
  agent a, b;
  BOOST_REQUIRE_EQUAL(a.register_at(server, a.sign(a.card())).status, 201);
  BOOST_REQUIRE_EQUAL(b.register_at(server, b.sign(b.card())).status, 201);
  int ok = 0, limited = 0;
  for (int i = 0; i < per_key + 5; ++i) {
    auto status = a.heartbeat(server).status;
    ok += status == 200;
    limited += status == 429;
  }
  BOOST_TEST(ok == per_key);
  BOOST_TEST(limited == 5);
  BOOST_TEST(b.heartbeat(server).status == 200);
}

BOOST_AUTO_TEST_SUITE_END()
