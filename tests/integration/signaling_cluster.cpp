// Two tesserad nodes sharing one database and one Redis (the test's own
// redis-server, so it can be killed and restarted): frames between agents
// connected to different nodes, the offline queue across nodes, contact
// changes reaching the other node's connections, and a Redis outage
// (degraded health, local delivery going on, recovery).
//
// Not covered, by design: a second connection of an agent on another node
// does not replace the first (replacement is per node; the presence key names
// the newest connection's node).
#include <boost/test/unit_test.hpp>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <thread>

#include "storage/redis_client.hpp"
#include "support.hpp"
#include "tools/testkit/ws_client.hpp"

using namespace tessera;
using namespace tessera::test;
using namespace std::chrono_literals;

namespace {

/// One database, one Redis, two nodes.
struct cluster {
  explicit cluster(bool require_contacts = false) {
    node1 = make("node-1", require_contacts);
    node2 = make("node-2", require_contacts);
    // One after the other: the first applies the migrations.
    node1->start();
    node2->start();
  }

  std::unique_ptr<server_process> make(const std::string& node_id, bool require_contacts) {
    return std::make_unique<server_process>(
        dir, db,
        std::map<std::string, std::string>{
            {"signaling.broker", "redis"},
            {"signaling.node_id", node_id},
            {"signaling.require_contacts", require_contacts ? "true" : "false"},
            {"redis.addr", "\"" + redis.addr() + "\""}});
  }

  temp_dir dir;
  test_database db{dir};  // shared: the SQLite file or the PostgreSQL database of both
  redis_server redis{dir};
  std::unique_ptr<server_process> node1, node2;
};

/// An agent registered (through `s`) and connected to `at`.
struct peer {
  agent a;
  std::unique_ptr<testkit::ws_client> ws = std::make_unique<testkit::ws_client>();

  peer(const server_process& registry, const server_process& at) {
    auto res = a.register_at(registry, a.sign(a.card()));
    BOOST_TEST_REQUIRE(res.status == 201, res.body);
    connect(at);
  }

  void connect(const server_process& at) {
    BOOST_TEST_REQUIRE(ws->connect(at.ws_port()));
    std::string why;
    auto config = testkit::authenticate(*ws, a.id, a.key.secret_key, &why);
    BOOST_TEST_REQUIRE(config.has_value(), why);
  }
};

nlohmann::json frame(const std::string& type, const std::string& to, nlohmann::json fields = {}) {
  fields["type"] = type;
  fields["to"] = to;
  return fields;
}

/// Sends `f` from `from` until `to` receives a frame of its type (up to 10
/// s): presence is written asynchronously after a connection is accepted,
/// so a frame sent at once may still find its target connected nowhere.
std::optional<nlohmann::json> send_until_received(peer& from, peer& to, const nlohmann::json& f) {
  auto until = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < until) {
    if (!from.ws->send_json(f))
      return std::nullopt;
    if (auto got = to.ws->receive_type(f["type"], 500ms))
      return got;
  }
  return std::nullopt;
}

/// Polls /api/v1/health (up to 20 s: backoff reaches 5 s) until signaling is `state`.
http_result wait_for_signaling(const server_process& s, const std::string& state) {
  http_result health;
  for (int i = 0; i < 200; ++i) {
    health = s.get("/api/v1/health");
    auto j = health.json();
    if (j.is_object() && j["components"].value("signaling", "") == state)
      break;
    std::this_thread::sleep_for(100ms);
  }
  return health;
}

void add_contact(const server_process& s, const agent& who, const std::string& contact_id) {
  auto target = "/api/v1/agents/" + who.id + "/contacts";
  auto body = nlohmann::json{{"contact_id", contact_id}}.dump();
  auto res = s.send("POST", target, body, who.sign_request("POST", target, body));
  BOOST_TEST_REQUIRE((res.status == 200 || res.status == 201), res.body);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(signaling_cluster)

BOOST_AUTO_TEST_CASE(agents_on_two_nodes_complete_an_offer_answer_ice_exchange) {
  cluster c;
  peer alice{*c.node1, *c.node1};
  peer bob{*c.node1, *c.node2};

  auto offer = send_until_received(alice, bob, frame("offer", bob.a.id, {{"sdp", "v=0 offer"}}));
  BOOST_TEST_REQUIRE(offer.has_value());
  BOOST_TEST((*offer)["from"] == alice.a.id);
  BOOST_TEST((*offer)["sdp"] == "v=0 offer");

  // Bob's node found alice's presence long ago: the answer needs no retry.
  BOOST_TEST_REQUIRE(bob.ws->send_json(frame("answer", alice.a.id, {{"sdp", "v=0 answer"}})));
  auto answer = alice.ws->receive_type("answer");
  BOOST_TEST_REQUIRE(answer.has_value());
  BOOST_TEST((*answer)["from"] == bob.a.id);
  BOOST_TEST((*answer)["sdp"] == "v=0 answer");

  auto candidate = "candidate:1 1 UDP 2130706431 192.0.2.1 54400 typ host";
  BOOST_TEST_REQUIRE(alice.ws->send_json(
      frame("ice_candidate", bob.a.id, {{"candidate", candidate}, {"from", bob.a.id}})));
  auto ice = bob.ws->receive_type("ice_candidate");
  BOOST_TEST_REQUIRE(ice.has_value());
  BOOST_TEST((*ice)["from"] == alice.a.id);  // not the "from" alice wrote
  BOOST_TEST((*ice)["candidate"] == candidate);
  BOOST_TEST_REQUIRE(
      bob.ws->send_json(frame("ice_candidate", alice.a.id, {{"candidate", candidate}})));
  auto ice_back = alice.ws->receive_type("ice_candidate");
  BOOST_TEST_REQUIRE(ice_back.has_value());
  BOOST_TEST((*ice_back)["from"] == bob.a.id);

  // Node 2 stops cleanly and takes bob's presence with it: he is connected nowhere now.
  BOOST_TEST(c.node2->stop() == 0, c.node2->log());
  BOOST_TEST_REQUIRE(alice.ws->send_json(frame("offer", bob.a.id, {{"sdp", "anyone?"}})));
  auto refused = alice.ws->receive_type("error");
  BOOST_TEST_REQUIRE(refused.has_value());
  BOOST_TEST((*refused)["code"] == "not_connected", refused->dump());
}

BOOST_AUTO_TEST_CASE(a_notification_queued_on_one_node_is_delivered_on_the_other) {
  cluster c;
  peer alice{*c.node1, *c.node1};
  agent carol;
  BOOST_TEST_REQUIRE(carol.register_at(*c.node1, carol.sign(carol.card())).status == 201);
  // Carol is connected nowhere: node 1 queues it.
  BOOST_TEST_REQUIRE(
      alice.ws->send_json(frame("notification", carol.id, {{"body", "while you were out"}})));
  // No error comes back for a queued notification (an error would be about
  // the frame to carol).
  auto error = alice.ws->receive_type("error", 1s);
  BOOST_TEST(!error.has_value(), (error ? error->dump() : ""));

  testkit::ws_client carol_ws;
  BOOST_TEST_REQUIRE(carol_ws.connect(c.node2->ws_port()));
  std::string why;
  BOOST_TEST_REQUIRE(testkit::authenticate(carol_ws, carol.id, carol.key.secret_key, &why)
                         .has_value(),
                     why);
  // Node 2 announces carol; node 1 then sends her what it held.
  auto note = carol_ws.receive_type("notification", 10s);
  BOOST_TEST_REQUIRE(note.has_value());
  BOOST_TEST((*note)["from"] == alice.a.id);
  BOOST_TEST((*note)["body"] == "while you were out");
}

BOOST_AUTO_TEST_CASE(a_redis_outage_degrades_signaling_and_recovers) {
  cluster c;
  peer alice{*c.node1, *c.node1};
  peer amy{*c.node1, *c.node1};
  peer bob{*c.node1, *c.node2};
  BOOST_TEST_REQUIRE(
      send_until_received(alice, bob, frame("offer", bob.a.id, {{"sdp", "before"}})).has_value());
  BOOST_TEST(c.node1->get("/api/v1/health").json()["components"]["signaling"] == "ok");

  c.redis.kill9();
  for (auto* node : {c.node1.get(), c.node2.get()}) {
    auto health = wait_for_signaling(*node, "degraded");
    BOOST_TEST(health.status == 200, health.body);  // the node still serves
    BOOST_TEST(health.json()["components"]["signaling"] == "degraded", health.body);
    BOOST_TEST(health.json()["status"] == "degraded", health.body);
    BOOST_TEST(health.json()["components"]["database"] == "ok", health.body);
  }

  // Local delivery goes on.
  BOOST_TEST_REQUIRE(alice.ws->send_json(frame("offer", amy.a.id, {{"sdp", "local"}})));
  auto local = amy.ws->receive_type("offer");
  BOOST_TEST_REQUIRE(local.has_value());
  BOOST_TEST((*local)["from"] == alice.a.id);
  BOOST_TEST((*local)["sdp"] == "local");

  // Another node can't be reached: an offer fails at once, a notification waits.
  BOOST_TEST_REQUIRE(alice.ws->send_json(frame("offer", bob.a.id, {{"sdp", "during"}})));
  auto refused = alice.ws->receive_type("error");
  BOOST_TEST_REQUIRE(refused.has_value());
  BOOST_TEST((*refused)["code"] == "not_connected", refused->dump());
  BOOST_TEST_REQUIRE(
      alice.ws->send_json(frame("notification", bob.a.id, {{"body", "held during the outage"}})));
  BOOST_TEST(!bob.ws->receive_type("offer", 500ms).has_value());

  c.redis.start();
  for (auto* node : {c.node1.get(), c.node2.get()}) {
    auto health = wait_for_signaling(*node, "ok");
    BOOST_TEST(health.status == 200, health.body);
    BOOST_TEST(health.json()["components"]["signaling"] == "ok", health.body);
    BOOST_TEST(health.json()["status"] == "ok", health.body);
  }
  // Node 2 announced bob again, so node 1 delivered what it held...
  auto held = bob.ws->receive_type("notification", 10s);
  BOOST_TEST_REQUIRE(held.has_value());
  BOOST_TEST((*held)["from"] == alice.a.id);
  BOOST_TEST((*held)["body"] == "held during the outage");
  // ... and frames cross again.
  auto offer = send_until_received(alice, bob, frame("offer", bob.a.id, {{"sdp", "after"}}));
  BOOST_TEST_REQUIRE(offer.has_value());
  BOOST_TEST((*offer)["from"] == alice.a.id);
}

BOOST_AUTO_TEST_CASE(a_contact_change_on_one_node_reaches_a_connection_on_the_other) {
  cluster c{true};
  peer alice{*c.node1, *c.node1};
  peer bob{*c.node1, *c.node2};
  // Bob's connection (node 2) checks its own cache of bob's mutual contacts.
  BOOST_TEST_REQUIRE(bob.ws->send_json(frame("offer", alice.a.id, {{"sdp", "too soon"}})));
  auto refused = bob.ws->receive_type("error");
  BOOST_TEST_REQUIRE(refused.has_value());
  BOOST_TEST((*refused)["code"] == "not_in_contacts", refused->dump());

  // Both sides, through node 1's HTTP API only.
  add_contact(*c.node1, alice.a, bob.a.id);
  add_contact(*c.node1, bob.a, alice.a.id);

  // Node 2 hears of it through Redis and bob's connection reloads its cache.
  auto offer = send_until_received(bob, alice, frame("offer", alice.a.id, {{"sdp", "now"}}));
  BOOST_TEST_REQUIRE(offer.has_value());
  BOOST_TEST((*offer)["from"] == bob.a.id);
  BOOST_TEST((*offer)["sdp"] == "now");
  BOOST_TEST_REQUIRE(alice.ws->send_json(frame("answer", bob.a.id, {{"sdp", "yes"}})));
  auto answer = bob.ws->receive_type("answer");
  BOOST_TEST_REQUIRE(answer.has_value());
  BOOST_TEST((*answer)["from"] == alice.a.id);
}

BOOST_AUTO_TEST_CASE(a_refused_redis_password_degrades_signaling_and_is_never_logged) {
  temp_dir dir;
  test_database db{dir};
  redis_server redis{dir};  // no password set: AUTH is refused
  std::string password = "pw-" + std::to_string(free_port()) + "-not-for-logs";
  server_process node{dir, db,
                      {{"signaling.broker", "redis"},
                       {"redis.addr", "\"" + redis.addr() + "\""},
                       {"redis.password", "\"" + password + "\""},
                       {"logging.level", "debug"}}};
  node.start();
  auto health = wait_for_signaling(node, "degraded");
  BOOST_TEST(health.status == 200, health.body);
  BOOST_TEST(health.json()["components"]["signaling"] == "degraded", health.body);
  // It keeps trying (and logging why at debug level), never with the password.
  BOOST_TEST(wait_for_log(node, "refused AUTH"), node.log());
  BOOST_TEST(node.log().find(password) == std::string::npos);
  BOOST_TEST(node.stop() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
