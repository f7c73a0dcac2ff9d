// The Redis broker against a real Redis (TESSERA_TEST_REDIS_ADDR, set by
// tools/test): presence set, refreshed and withdrawn only by its own node,
// envelopes routed to the broker of the node holding the target, undeliver
// when it is connected nowhere, and announcements between nodes. Each case
// uses fresh node and agent ids, so runs sharing one Redis don't meet.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <mutex>

#include "actors/broker.hpp"
#include "protocol/crypto.hpp"
#include "protocol/encoding.hpp"
#include "storage/redis_client.hpp"
#include "support.hpp"
#include "tools/testkit/tesserad_process.hpp"

using namespace tessera;
using namespace tessera::test;

namespace {

/// What a broker told its hub.
struct hub_log {
  std::mutex m;
  std::vector<signal_envelope> remote, undelivered;
  std::vector<std::string> online;
  std::vector<std::pair<std::string, std::string>> contacts;

  template <class F>
  auto with(F f) {
    std::lock_guard<std::mutex> guard(m);
    return f(*this);
  }
};

/// A hub that only records what the broker sends it.
signaling_hub_actor::behavior_type recording_hub(signaling_hub_actor::pointer,
                                                 std::shared_ptr<hub_log> log) {
  auto push = [log](auto& to, auto x) {
    std::lock_guard<std::mutex> guard(log->m);
    to.push_back(std::move(x));
  };
  return {
      [](atom::attach, const std::string&, const signaling_peer_actor&) {
        return caf::ok_atom::value;
      },
      [](atom::detach, const std::string&, const signaling_peer_actor&) {},
      [](atom::route, const signal_envelope&) {},
      [=](atom::remote, signal_envelope& e) { push(log->remote, std::move(e)); },
      [=](atom::undeliver, signal_envelope& e) { push(log->undelivered, std::move(e)); },
      [=](atom::online, std::string& id) { push(log->online, std::move(id)); },
      [](atom::contacts, const std::string&, const std::string&) {},
      [=](atom::remote, atom::contacts, std::string& a, std::string& b) {
        push(log->contacts, std::make_pair(std::move(a), std::move(b)));
      },
      [](atom::tick) {},
      [](atom::status) { return std::string{"{}"}; },
  };
}

std::string fresh(const std::string& prefix) {
  return prefix + "-" + encoding::hex_encode(crypto::random_bytes(6));
}

struct broker_fixture : actor_fixture {
  const char* addr = std::getenv("TESSERA_TEST_REDIS_ADDR");
  config::redis_settings redis;

  broker_fixture() {
    if (addr == nullptr)
      return;
    redis.addr = addr;
  }

  bool skip() const {
    if (addr == nullptr)
      BOOST_TEST_MESSAGE("TESSERA_TEST_REDIS_ADDR is not set (tools/test sets it): skipped");
    return addr == nullptr;
  }

  /// A broker for node `node_id` with a recording hub; waits until it is "ok".
  broker_actor spawn(const std::string& node_id, std::shared_ptr<hub_log> log,
                     config::millis ttl = config::millis{30'000}) {
    config::signaling_settings sig;
    sig.broker = "redis";
    sig.presence_ttl = ttl;
    auto broker = own(spawn_redis_broker(*sys, sig, redis, node_id));
    auto hub = own(sys->spawn(recording_hub, std::move(log)));
    caf::anon_send(broker, atom::subscribe::value, hub);
    BOOST_TEST_REQUIRE(eventually([&] { return status_of(broker)["state"] == "ok"; }));
    return broker;
  }

  /// What the presence key of `agent_id` holds ("" when there is none).
  std::string presence(const std::string& agent_id) {
    auto r = command({"GET", "tessera:presence:" + agent_id});
    return r.kind == storage::redis_reply::string ? r.text : "";
  }

  storage::redis_reply command(const std::vector<std::string>& argv) {
    storage::redis_client c(redis);
    std::string why;
    BOOST_TEST_REQUIRE(c.connect(std::chrono::seconds(2), why), why);
    auto r = c.command(argv);
    BOOST_TEST_REQUIRE(r.has_value());
    return *r;
  }

  signal_envelope envelope(const std::string& from, const std::string& to) {
    signal_envelope e;
    e.from = from;
    e.to = to;
    e.type = "offer";
    e.text = nlohmann::json{{"type", "offer"}, {"from", from}, {"to", to}, {"sdp", "v=0"}}.dump();
    e.at = 1234;
    return e;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(broker_redis, broker_fixture)

BOOST_AUTO_TEST_CASE(attach_sets_presence_with_a_ttl_and_detach_removes_it) {
  if (skip())
    return;
  auto node = fresh("node");
  auto agent = fresh("agent");
  auto broker = spawn(node, std::make_shared<hub_log>());
  caf::anon_send(broker, atom::attach::value, agent);
  BOOST_TEST_REQUIRE(eventually([&] { return presence(agent) == node; }));
  auto ttl = command({"PTTL", "tessera:presence:" + agent});
  BOOST_TEST(ttl.kind == storage::redis_reply::integer);
  BOOST_TEST(ttl.number > 0);
  BOOST_TEST(ttl.number <= 30'000);
  auto st = status_of(broker);
  BOOST_TEST(st["kind"] == "redis");
  BOOST_TEST(st["node_id"] == node);
  BOOST_TEST(st["attached"] == 1);
  caf::anon_send(broker, atom::detach::value, agent);
  BOOST_TEST(eventually([&] { return presence(agent).empty(); }));
  BOOST_TEST(status_of(broker)["attached"] == 0);
}

BOOST_AUTO_TEST_CASE(presence_lives_in_the_configured_db) {
  if (skip())
    return;
  redis.db = 3;
  auto node = fresh("node");
  auto agent = fresh("agent");
  auto broker = spawn(node, std::make_shared<hub_log>());
  caf::anon_send(broker, atom::attach::value, agent);
  BOOST_TEST_REQUIRE(eventually([&] { return presence(agent) == node; }));  // in db 3
  redis.db = 0;
  BOOST_TEST(presence(agent).empty());
  redis.db = 3;
  caf::anon_send(broker, atom::detach::value, agent);
  BOOST_TEST(eventually([&] { return presence(agent).empty(); }));
}

BOOST_AUTO_TEST_CASE(detach_leaves_a_key_another_node_set) {
  if (skip())
    return;
  auto node = fresh("node");
  auto agent = fresh("agent");
  auto broker = spawn(node, std::make_shared<hub_log>());
  caf::anon_send(broker, atom::attach::value, agent);
  BOOST_TEST_REQUIRE(eventually([&] { return presence(agent) == node; }));
  // The agent connected again on another node meanwhile.
  command({"SET", "tessera:presence:" + agent, "other-node", "PX", "30000"});
  caf::anon_send(broker, atom::detach::value, agent);
  // status answers after the detach was handled (one mailbox, in order).
  BOOST_TEST(status_of(broker)["attached"] == 0);
  BOOST_TEST(presence(agent) == "other-node");
  command({"DEL", "tessera:presence:" + agent});
}

BOOST_AUTO_TEST_CASE(presence_is_refreshed_while_attached) {
  if (skip())
    return;
  auto node = fresh("node");
  auto agent = fresh("agent");
  // Refreshed every 200 ms.
  auto broker = spawn(node, std::make_shared<hub_log>(), config::millis{600});
  caf::anon_send(broker, atom::attach::value, agent);
  BOOST_TEST_REQUIRE(eventually([&] { return presence(agent) == node; }));
  // Gone (as if it had expired): the next refresh sets it again.
  command({"DEL", "tessera:presence:" + agent});
  BOOST_TEST(eventually([&] { return presence(agent) == node; }));
  caf::anon_send(broker, atom::detach::value, agent);
  BOOST_TEST(eventually([&] { return presence(agent).empty(); }));
}

BOOST_AUTO_TEST_CASE(a_route_reaches_the_hub_of_the_node_holding_the_target) {
  if (skip())
    return;
  auto log1 = std::make_shared<hub_log>();
  auto log2 = std::make_shared<hub_log>();
  auto node1 = fresh("node");
  auto node2 = fresh("node");
  auto broker1 = spawn(node1, log1);
  auto broker2 = spawn(node2, log2);
  auto alice = fresh("alice");
  auto bob = fresh("bob");
  caf::anon_send(broker2, atom::attach::value, bob);
  BOOST_TEST_REQUIRE(eventually([&] { return presence(bob) == node2; }));
  auto e = envelope(alice, bob);
  // It announced itself when it connected: count from here.
  auto published = status_of(broker1)["published"].get<int>();
  caf::anon_send(broker1, atom::route::value, e);
  BOOST_TEST_REQUIRE(
      eventually([&] { return log2->with([](auto& l) { return l.remote.size(); }) == 1; }));
  auto got = log2->with([](auto& l) { return l.remote[0]; });
  BOOST_TEST(got.to == bob);
  BOOST_TEST(got.from == alice);
  BOOST_TEST(got.type == "offer");
  BOOST_TEST(got.text == e.text);
  BOOST_TEST(got.at == 1234);
  BOOST_TEST(got.hops == 1);
  BOOST_TEST(status_of(broker1)["published"] == published + 1);
  BOOST_TEST(status_of(broker2)["received"].get<int>() >= 1);
  BOOST_TEST(log1->with([](auto& l) { return l.undelivered.size(); }) == 0u);
  caf::anon_send(broker2, atom::detach::value, bob);
  BOOST_TEST(eventually([&] { return presence(bob).empty(); }));
}

BOOST_AUTO_TEST_CASE(a_target_connected_nowhere_is_undelivered) {
  if (skip())
    return;
  auto log = std::make_shared<hub_log>();
  auto node = fresh("node");
  auto broker = spawn(node, log);
  auto nobody = fresh("nobody");
  auto published = status_of(broker)["published"].get<int>();
  caf::anon_send(broker, atom::route::value, envelope(fresh("alice"), nobody));
  BOOST_TEST_REQUIRE(
      eventually([&] { return log->with([](auto& l) { return l.undelivered.size(); }) == 1; }));
  auto got = log->with([](auto& l) { return l.undelivered[0]; });
  BOOST_TEST(got.to == nobody);
  BOOST_TEST(got.hops == 0);
  // A presence key naming a node nobody listens for (it died before its
  // keys expired) is connected nowhere too, and so is this node itself.
  command({"SET", "tessera:presence:" + nobody, fresh("dead-node"), "PX", "30000"});
  caf::anon_send(broker, atom::route::value, envelope(fresh("alice"), nobody));
  command({"SET", "tessera:presence:" + nobody, node, "PX", "30000"});
  caf::anon_send(broker, atom::route::value, envelope(fresh("alice"), nobody));
  BOOST_TEST(
      eventually([&] { return log->with([](auto& l) { return l.undelivered.size(); }) == 3; }));
  BOOST_TEST(status_of(broker)["published"] == published);
  command({"DEL", "tessera:presence:" + nobody});
}

BOOST_AUTO_TEST_CASE(online_and_contact_changes_reach_the_other_nodes_only) {
  if (skip())
    return;
  auto log1 = std::make_shared<hub_log>();
  auto log2 = std::make_shared<hub_log>();
  auto broker1 = spawn(fresh("node"), log1);
  auto broker2 = spawn(fresh("node"), log2);
  auto alice = fresh("alice");
  auto bob = fresh("bob");
  caf::anon_send(broker1, atom::online::value, alice);
  caf::anon_send(broker1, atom::contacts::value, alice, bob);
  // Another node's announcements are on the same broadcast channel: wait for
  // ours by content.
  BOOST_TEST(eventually([&] {
    return log2->with([&](auto& l) {
      return std::count(l.online.begin(), l.online.end(), alice) == 1 &&
             std::count(l.contacts.begin(), l.contacts.end(), std::make_pair(alice, bob)) == 1;
    });
  }));
  // broker1's own echo arrived on its subscription no later than broker2's
  // copy on the same channel... but from another connection; a later
  // announcement by broker2 orders it: once broker1 saw that, it had seen its own.
  auto marker = fresh("marker");
  caf::anon_send(broker2, atom::online::value, marker);
  BOOST_TEST_REQUIRE(eventually([&] {
    return log1->with([&](auto& l) {
      return std::count(l.online.begin(), l.online.end(), marker) == 1;
    });
  }));
  log1->with([&](auto& l) {
    BOOST_TEST(std::count(l.online.begin(), l.online.end(), alice) == 0);
    BOOST_TEST(std::count(l.contacts.begin(), l.contacts.end(), std::make_pair(alice, bob)) == 0);
    return 0;
  });
}

BOOST_AUTO_TEST_CASE(a_node_that_connects_hears_every_other_node_announce_its_agents) {
  if (skip())
    return;
  auto log1 = std::make_shared<hub_log>();
  auto broker1 = spawn(fresh("node"), log1);
  auto alice = fresh("alice");
  caf::anon_send(broker1, atom::attach::value, alice);
  BOOST_TEST_REQUIRE(eventually([&] { return !presence(alice).empty(); }));
  // A node coming (back) to Redis may have missed announcements: it asks the
  // others to repeat theirs, so what it queued for their agents flows.
  auto log2 = std::make_shared<hub_log>();
  spawn(fresh("node"), log2);
  BOOST_TEST(eventually([&] {
    return log2->with([&](auto& l) {
      return std::count(l.online.begin(), l.online.end(), alice) >= 1;
    });
  }));
  caf::anon_send(broker1, atom::detach::value, alice);
  BOOST_TEST(eventually([&] { return presence(alice).empty(); }));
}

BOOST_AUTO_TEST_CASE(an_unreachable_redis_degrades_and_undelivers_at_once) {
  config::signaling_settings sig;
  sig.broker = "redis";
  config::redis_settings nowhere;
  nowhere.addr = "127.0.0.1:" + std::to_string(testkit::free_port());
  auto log = std::make_shared<hub_log>();
  auto broker = own(spawn_redis_broker(*sys, sig, nowhere, fresh("node")));
  auto hub = own(sys->spawn(recording_hub, log));
  caf::anon_send(broker, atom::subscribe::value, hub);
  caf::anon_send(broker, atom::attach::value, std::string{"someone"});
  caf::anon_send(broker, atom::route::value, envelope("someone", "elsewhere"));
  BOOST_TEST(
      eventually([&] { return log->with([](auto& l) { return l.undelivered.size(); }) == 1; }));
  auto st = status_of(broker);
  BOOST_TEST(st["state"] == "degraded");
  BOOST_TEST(st["attached"] == 1);
  BOOST_TEST(st["published"] == 0);
}

BOOST_AUTO_TEST_SUITE_END()
