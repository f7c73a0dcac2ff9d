// The whole trust engine through the real API, as the "done when"
// reads: a verified, well-behaved agent earns the Trusted badge, a
// misbehaving one loses it, and its score is reproducible from its log
// (`tessera reputation replay`).
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cmath>
#include <thread>

#include "protocol/encoding.hpp"
#include "support.hpp"

using namespace tessera::test;
using nlohmann::json;

namespace {

/// The agent's side of endpoint verification, on loopback: answers the
/// challenge with the agent's signature while `honest`, with a signature over
/// something else after.
class challenge_endpoint {
public:
  explicit challenge_endpoint(const agent& a) : agent_(a) {
    server_.Get("/.well-known/tessera-verify", [this](const httplib::Request& req,
                                                      httplib::Response& res) {
      auto nonce = req.get_param_value("challenge");
      auto message = "tessera-verify-v1:" + agent_.id + ":" + (honest ? nonce : "not-" + nonce);
      auto signature = tessera::crypto::sign(agent_.key.secret_key, message);
      res.set_content(json{{"challenge", nonce},
                           {"signature", tessera::encoding::base64url_encode(signature)}}
                          .dump(),
                      "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running())
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~challenge_endpoint() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::atomic<bool> honest{true};

private:
  const agent& agent_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

struct trajectory_fixture {
  temp_dir dir;
  test_database db{dir};
  server_process server{dir, db,
                        account_settings(dir, {{"security.allow_cidrs", "[\"127.0.0.1/32\"]"},
                                               {"verifier.min_interval", "1s"},
                                               // no heartbeat_missed mid-test
                                               {"registry.offline_after", "1h"}})};
  account owner;
  agent bot;

  trajectory_fixture() {
    server.start();
    owner = sign_up(server, "owner@example.com", "Owner");
  }

  json profile() {
    auto res = server.get("/api/v1/directory/" + bot.id);
    BOOST_REQUIRE_MESSAGE(res.status == 200, res.body);
    return res.json();
  }

  /// Waits until the agent's log holds `events` events (the engine scores
  /// asynchronously), then answers the profile.
  json profile_after(int64_t events) {
    json p;
    for (int i = 0; i < 100; ++i) {
      p = profile();
      if (p["events"] == events)
        return p;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    BOOST_FAIL("the agent never reached " << events << " events: " << p.dump());
    return p;
  }

  http_result verify() {
    return server.send("POST", "/api/v1/agents/" + bot.id + "/verify", "", owner.auth());
  }

  void review(const account& user, int rating) {
    auto res = server.send("POST", "/api/v1/directory/" + bot.id + "/reviews",
                           json{{"rating", rating}, {"text", "rated " + std::to_string(rating)}}.dump(),
                           user.auth());
    BOOST_REQUIRE_MESSAGE(res.status == 201 || res.status == 200,
                          "status " << res.status << ": " << res.body);
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(trust_trajectory, trajectory_fixture)

BOOST_AUTO_TEST_CASE(a_verified_well_behaved_agent_earns_trusted_and_loses_it_misbehaving) {
  challenge_endpoint endpoint{bot};
  auto card = bot.card("Trajectory bot");
  card["url"] = endpoint.url();
  BOOST_REQUIRE_EQUAL(bot.register_at(server, bot.sign(card)).status, 201);
  auto token = server.send("POST", "/api/v1/claim-tokens", "{}", owner.auth()).json()["token"];
  auto body = json{{"token", token}}.dump();
  auto claim = server.send("POST", "/api/v1/agents/" + bot.id + "/claim", body,
                           bot.sign_request("POST", "/api/v1/agents/" + bot.id + "/claim", body));
  BOOST_REQUIRE_MESSAGE(claim.status == 200, claim.body);

  auto p = profile_after(1);  // registered: neutral
  BOOST_TEST(p["score"] == 0.5);
  BOOST_TEST(p["verified"] == false);
  BOOST_TEST(p["trusted"] == false);

  auto v = verify();
  BOOST_REQUIRE_MESSAGE(v.status == 200, v.body);
  p = profile_after(2);
  BOOST_TEST(p["verified"] == true);
  BOOST_TEST(p["score"].get<double>() > 0.6);
  BOOST_TEST(p["trusted"] == false);  // verified, but not yet enough good evidence

  // Eight users rate it 5: each review is real, positive evidence.
  std::vector<account> users;
  for (int i = 0; i < 8; ++i) {
    users.push_back(sign_up(server, "fan" + std::to_string(i) + "@example.com", "Fan"));
    review(users.back(), 5);
  }
  p = profile_after(10);
  BOOST_TEST(p["score"].get<double>() >= 0.8);
  BOOST_TEST(p["tier"] == "high");
  BOOST_TEST(p["trusted"] == true);
  // Re-posting the same opinion earns nothing more.
  review(users[0], 5);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  BOOST_TEST(profile()["events"] == 10);

  // It stops answering its challenge honestly: verification fails, the
  // badge goes at once, and the failure counts against it.
  endpoint.honest = false;
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // verifier.min_interval
  v = verify();
  BOOST_TEST(v.status == 422, v.body);
  BOOST_TEST(v.error_code() == "verification_failed");
  p = profile_after(11);
  BOOST_TEST(p["verified"] == false);
  BOOST_TEST(p["trusted"] == false);
  double after_failure = p["score"].get<double>();

  // Users notice: three change their rating to 1.
  for (int i = 0; i < 3; ++i)
    review(users[i], 1);
  p = profile_after(14);
  BOOST_TEST(p["score"].get<double>() < after_failure);
  BOOST_TEST(p["score"].get<double>() < 0.8);
  BOOST_TEST(p["tier"] != "high");
  BOOST_TEST(p["trusted"] == false);

  // Every step of that is reproducible from the log, by anyone.
  std::string out;
  int status = run_command({binary("tessera"), "--server", server.url(), "--json", "reputation",
                            "replay", bot.id},
                           out);
  BOOST_TEST_REQUIRE(status == 0, out);
  auto replay = json::parse(out);
  BOOST_TEST(replay["matches"] == true);
  BOOST_TEST(replay["events"] == 14);
  auto history = server.get("/api/v1/directory/" + bot.id + "/reputation?limit=1").json();
  BOOST_TEST(replay["score"] == history["history"][0]["score_after"]);
}

BOOST_AUTO_TEST_CASE(concurrent_reviews_of_one_agent_lose_no_event) {
  BOOST_REQUIRE_EQUAL(bot.register_at(server, bot.sign(bot.card("Popular"))).status, 201);
  constexpr int reviewers = 16;
  std::vector<account> users;
  for (int i = 0; i < reviewers; ++i)
    users.push_back(sign_up(server, "r" + std::to_string(i) + "@example.com", "Reviewer"));
  std::vector<std::thread> threads;
  for (int i = 0; i < reviewers; ++i)
    threads.emplace_back([&, i] { review(users[i], i % 2 ? 5 : 1); });
  for (auto& t : threads)
    t.join();
  auto p = profile_after(reviewers + 1);
  BOOST_TEST(p["reviews"]["count"] == reviewers);
  // Each event started from the score the one before it left (decayed by a
  // few milliseconds at most): none was applied to a stale score.
  auto log = server.get("/api/v1/directory/" + bot.id + "/reputation?limit=200").json()["history"];
  BOOST_REQUIRE(log.size() == static_cast<size_t>(reviewers + 1));
  for (size_t i = 0; i + 1 < log.size(); ++i)
    BOOST_TEST(std::abs(log[i]["score_before"].get<double>() -
                        log[i + 1]["score_after"].get<double>()) < 1e-6);
  std::string out;
  BOOST_TEST(run_command({binary("tessera"), "--server", server.url(), "reputation", "replay",
                          bot.id},
                         out) == 0,
             out);
}

BOOST_AUTO_TEST_CASE(replay_reports_a_model_that_no_longer_matches_the_log) {
  BOOST_REQUIRE_EQUAL(bot.register_at(server, bot.sign(bot.card("Bot"))).status, 201);
  auto fan = sign_up(server, "fan@example.com", "Fan");
  review(fan, 5);
  profile_after(2);
  // The same log read by a server whose review weight was changed since.
  server.stop();
  server_process changed{dir, db,
                         account_settings(dir, {{"reputation.weights", "{\"review_positive\": 2}"}})};
  changed.start();
  std::string out;
  int status = run_command({binary("tessera"), "--server", changed.url(), "reputation", "replay",
                            bot.id},
                           out);
  BOOST_TEST(status == 1, out);
  BOOST_TEST(out.find("replay_mismatch") != std::string::npos, out);
}

BOOST_AUTO_TEST_SUITE_END()
