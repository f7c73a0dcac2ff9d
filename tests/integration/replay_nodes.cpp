// The replay window shared by the nodes (auth.replay_store): two tesserad on
// one database (the SQLite file, or the PostgreSQL database under
// TESSERA_TEST_DRIVER=postgres), sharing it through the database or through
// Redis. A signed request accepted by node 1 is refused by node 2 with the
// same headers; with the window in memory it is not (why the shared one
// exists).
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <thread>

#include "support.hpp"

using namespace tessera;
using namespace tessera::test;
using namespace std::chrono_literals;

namespace {

using settings = std::map<std::string, std::string>;

/// Two nodes on one database, with `extra` on both; started one after the
/// other (the first applies the migrations).
struct two_nodes {
  explicit two_nodes(const settings& extra) {
    node1 = std::make_unique<server_process>(dir, db, extra);
    node2 = std::make_unique<server_process>(dir, db, extra);
    node1->start();
    node2->start();
  }
  temp_dir dir;
  test_database db{dir};
  std::unique_ptr<server_process> node1, node2;
};

/// A request and its signature headers, as captured on the wire.
struct captured {
  std::string method, target;
  httplib::Headers headers;
  http_result send_to(const server_process& s) const { return s.send(method, target, "", headers); }
};

captured capture(const agent& a, const std::string& method, const std::string& target) {
  return {method, target, a.sign_request(method, target, "")};
}

void register_at(const server_process& s, const agent& a) {
  auto res = a.register_at(s, a.sign(a.card()));
  BOOST_TEST_REQUIRE(res.status == 201, res.body);
}

bool says_already_used(const http_result& res) {
  return res.status == 401 && res.error_code() == "invalid_signature" &&
         res.error_message().find("already used") != std::string::npos;
}

/// What an attacker does with captured requests: a heartbeat replayed on the
/// other node, and a DELETE replayed there after the agent registered again.
void replays_are_refused_on_the_other_node(two_nodes& c) {
  agent a;
  register_at(*c.node1, a);
  auto heartbeat = capture(a, "POST", "/api/v1/agents/" + a.id + "/heartbeat");
  auto first = heartbeat.send_to(*c.node1);
  BOOST_TEST(first.status == 200, first.body);
  auto again = heartbeat.send_to(*c.node2);
  BOOST_TEST(says_already_used(again), again.status << " " << again.body);
  // The same node refuses it too, as before.
  BOOST_TEST(says_already_used(heartbeat.send_to(*c.node1)));

  auto erase = capture(a, "DELETE", "/api/v1/agents/" + a.id);
  auto deleted = erase.send_to(*c.node1);
  BOOST_TEST_REQUIRE(deleted.status == 204, deleted.body);
  register_at(*c.node1, a);
  auto replayed = erase.send_to(*c.node2);
  BOOST_TEST(says_already_used(replayed), replayed.status << " " << replayed.body);
  BOOST_TEST(c.node2->get("/api/v1/agents/" + a.id).status == 200);
  BOOST_TEST(c.node1->get("/api/v1/agents/" + a.id).status == 200);
  // A fresh signature is no replay: the agent goes on working on both nodes.
  BOOST_TEST(a.heartbeat(*c.node2).status == 200);
  BOOST_TEST(a.heartbeat(*c.node1).status == 200);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(replay_nodes)

BOOST_AUTO_TEST_CASE(through_the_database_a_replay_fails_on_every_node) {
  two_nodes c(settings{{"auth.replay_store", "database"}});
  BOOST_TEST(wait_for_log(*c.node1, "replay_store=database"));
  replays_are_refused_on_the_other_node(c);
}

BOOST_AUTO_TEST_CASE(through_redis_a_replay_fails_on_every_node) {
  temp_dir redis_dir;
  redis_server redis(redis_dir);
  two_nodes c(settings{{"auth.replay_store", "redis"}, {"redis.addr", "\"" + redis.addr() + "\""}});
  BOOST_TEST(wait_for_log(*c.node1, "replay_store=redis"));
  replays_are_refused_on_the_other_node(c);
}

BOOST_AUTO_TEST_CASE(with_the_window_in_memory_each_node_keeps_its_own) {
  // The reason for the shared window: without it, node 2 takes node 1's
  // request again.
  two_nodes c(settings{{"auth.replay_store", "memory"}});
  agent a;
  register_at(*c.node1, a);
  auto heartbeat = capture(a, "POST", "/api/v1/agents/" + a.id + "/heartbeat");
  BOOST_TEST(heartbeat.send_to(*c.node1).status == 200);
  BOOST_TEST(heartbeat.send_to(*c.node2).status == 200);
  BOOST_TEST(says_already_used(heartbeat.send_to(*c.node2)));
}

BOOST_AUTO_TEST_CASE(without_its_redis_a_node_refuses_signed_requests) {
  // Failing closed: a request whose nonce can't be recorded where every node
  // looks is not taken; once Redis is back, signed requests work again.
  temp_dir redis_dir;
  redis_server redis(redis_dir);
  two_nodes c(settings{{"auth.replay_store", "redis"}, {"redis.addr", "\"" + redis.addr() + "\""}});
  agent a;
  register_at(*c.node1, a);
  redis.kill9();
  auto refused = a.heartbeat(*c.node1);
  BOOST_TEST(refused.status == 503, refused.body);
  BOOST_TEST(refused.error_code() == "unavailable");
  BOOST_TEST(c.node1->get("/api/v1/agents/" + a.id).status == 200);  // reads go on
  redis.start();
  http_result back;
  for (int i = 0; i < 50; ++i) {
    back = a.heartbeat(*c.node1);
    if (back.status == 200)
      break;
    std::this_thread::sleep_for(100ms);
  }
  BOOST_TEST(back.status == 200, back.body);
}

BOOST_AUTO_TEST_CASE(auto_shares_the_window_where_the_nodes_can) {
  temp_dir dir;
  test_database db(dir);
  server_process s(dir, db);
  s.start();
  // PostgreSQL is shared by design; a SQLite file normally serves one process.
  auto expected = db.driver == "postgres" ? "replay_store=database" : "replay_store=memory";
  BOOST_TEST(wait_for_log(s, expected), s.log());
}

BOOST_AUTO_TEST_SUITE_END()
