// The signaling relay through the real WebSocket of a real tesserad: the
// handshake and each way it fails, frame checks and limits, contacts,
// replacement, relays, the offline queue, and presence.
#include <boost/test/unit_test.hpp>

#include <thread>

#include "protocol/encoding.hpp"
#include "protocol/signal_frame.hpp"
#include "support.hpp"
#include "tools/testkit/ws_client.hpp"

using namespace tessera;
using namespace tessera::test;
using namespace std::chrono_literals;
using json = nlohmann::json;
using testkit::ws_client;

namespace {

using settings = std::map<std::string, std::string>;

/// A server with `settings`, started, and helpers for its agents.
struct node {
  temp_dir dir;
  test_database db{dir};
  server_process server;

  explicit node(settings extra = {}) : server(dir, db, std::move(extra)) {
    server.start();
  }

  agent add_agent() {
    agent a;
    auto res = a.register_at(server, a.sign(a.card()));
    BOOST_REQUIRE_EQUAL(res.status, 201);
    return a;
  }

  /// `a` adds `b` to its contacts (agent-signed).
  void add_contact(const agent& a, const agent& b) {
    auto target = "/api/v1/agents/" + a.id + "/contacts";
    auto body = json{{"contact_id", b.id}}.dump();
    auto res = server.send("POST", target, body, a.sign_request("POST", target, body));
    BOOST_REQUIRE_MESSAGE(res.status == 200 || res.status == 201, res.body);
  }
  void remove_contact(const agent& a, const agent& b) {
    auto target = "/api/v1/agents/" + a.id + "/contacts/" + b.id;
    auto res = server.send("DELETE", target, "", a.sign_request("DELETE", target, ""));
    BOOST_REQUIRE_MESSAGE(res.status == 200 || res.status == 204, res.body);
  }
  void befriend(const agent& a, const agent& b) {
    add_contact(a, b);
    add_contact(b, a);
  }

  /// A connection authenticated as `a` (its config frame taken).
  std::unique_ptr<ws_client> connect(const agent& a) {
    auto c = std::make_unique<ws_client>();
    BOOST_REQUIRE(c->connect(server.ws_port()));
    std::string why;
    auto cfg = testkit::authenticate(*c, a.id, a.key.secret_key, &why);
    BOOST_REQUIRE_MESSAGE(cfg.has_value(), why);
    return c;
  }

  json agent_status(const agent& a) {
    return server.get("/api/v1/agents/" + a.id).json()["status"];
  }
};

std::string sign_auth(const agent& a, const std::string& nonce) {
  return encoding::base64url_encode(
      crypto::sign(a.key.secret_key, signal::auth_message(nonce, a.id)));
}

/// The challenge's nonce of a fresh connection.
std::string challenge_of(ws_client& c) {
  auto ch = c.receive_json();
  BOOST_REQUIRE(ch.has_value());
  BOOST_REQUIRE((*ch)["type"] == "challenge");
  return (*ch)["nonce"].get<std::string>();
}

/// Polls `pred` every 100 ms for up to `limit`.
template <class Pred>
bool within(std::chrono::milliseconds limit, Pred pred) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (pred())
      return true;
    std::this_thread::sleep_for(100ms);
  }
  return pred();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(signaling)

BOOST_AUTO_TEST_CASE(handshake_and_each_way_it_fails) {
  // signaling.turn as one YAML flow mapping (server_process nests one level).
  auto turn = R"({urls: ["stun:stun.example.org", "turn:turn.example.org:3478"], )"
              R"(secret: "s3cret"})";
  node n(settings{{"signaling.auth_timeout", "500ms"}, {"signaling.turn", turn}});
  auto a = n.add_agent();

  // Good: challenge, auth, config with TURN credentials minted for a.
  {
    ws_client c;
    BOOST_REQUIRE(c.connect(n.server.ws_port()));
    auto nonce = challenge_of(c);
    c.send_json({{"type", "auth"}, {"agent_id", a.id}, {"signature", sign_auth(a, nonce)}});
    auto cfg = c.receive_json();
    BOOST_REQUIRE(cfg.has_value());
    BOOST_TEST((*cfg)["type"] == "config");
    BOOST_TEST((*cfg)["agent_id"] == a.id);
    BOOST_REQUIRE((*cfg)["ice_servers"].size() == 2u);
    auto turn = (*cfg)["ice_servers"][1];
    BOOST_TEST(turn["username"].get<std::string>().find(a.id) != std::string::npos);
    BOOST_TEST(!turn["credential"].get<std::string>().empty());
  }
  // No auth at all, and auth too late: 4408.
  {
    ws_client c;
    BOOST_REQUIRE(c.connect(n.server.ws_port()));
    challenge_of(c);
    BOOST_TEST(c.wait_closed(10s));
    BOOST_TEST(c.close_code() == signal::close_code::auth_timeout);
  }
  {
    ws_client c;
    BOOST_REQUIRE(c.connect(n.server.ws_port()));
    auto nonce = challenge_of(c);
    std::this_thread::sleep_for(1500ms);  // past the 500 ms deadline
    c.send_json({{"type", "auth"}, {"agent_id", a.id}, {"signature", sign_auth(a, nonce)}});
    BOOST_TEST(c.wait_closed(10s));
    BOOST_TEST(c.close_code() == signal::close_code::auth_timeout);
  }
  // A wrong signature (another key): 4401.
  {
    agent other;
    ws_client c;
    BOOST_REQUIRE(c.connect(n.server.ws_port()));
    auto nonce = challenge_of(c);
    auto forged = encoding::base64url_encode(
        crypto::sign(other.key.secret_key, signal::auth_message(nonce, a.id)));
    c.send_json({{"type", "auth"}, {"agent_id", a.id}, {"signature", forged}});
    BOOST_TEST(c.wait_closed());
    BOOST_TEST(c.close_code() == signal::close_code::bad_signature);
  }
  // A signature over the nonce of another connection: 4401.
  {
    ws_client first, second;
    BOOST_REQUIRE(first.connect(n.server.ws_port()));
    BOOST_REQUIRE(second.connect(n.server.ws_port()));
    auto first_nonce = challenge_of(first);
    challenge_of(second);
    second.send_json(
        {{"type", "auth"}, {"agent_id", a.id}, {"signature", sign_auth(a, first_nonce)}});
    BOOST_TEST(second.wait_closed());
    BOOST_TEST(second.close_code() == signal::close_code::bad_signature);
  }
  // An agent the registry doesn't know: 4404.
  {
    agent stranger;
    ws_client c;
    BOOST_REQUIRE(c.connect(n.server.ws_port()));
    auto nonce = challenge_of(c);
    c.send_json(
        {{"type", "auth"}, {"agent_id", stranger.id}, {"signature", sign_auth(stranger, nonce)}});
    BOOST_TEST(c.wait_closed());
    BOOST_TEST(c.close_code() == signal::close_code::unknown_agent);
    BOOST_TEST(c.close_reason() == "unknown agent");
  }
  // Malformed, and not an auth frame: 4400.
  for (std::string first_frame : {std::string("{not json"), json{{"type", "ping"}}.dump(),
                                  json{{"type", "auth"}, {"agent_id", a.id}}.dump()}) {
    ws_client c;
    BOOST_REQUIRE(c.connect(n.server.ws_port()));
    challenge_of(c);
    c.send(first_frame);
    BOOST_TEST_CONTEXT(first_frame) {
      BOOST_TEST(c.wait_closed());
      BOOST_TEST(c.close_code() == signal::close_code::bad_auth_frame);
    }
  }
}

BOOST_AUTO_TEST_CASE(offer_answer_and_ice_between_two_agents) {
  node n;
  auto a = n.add_agent();
  auto b = n.add_agent();
  n.befriend(a, b);
  auto ca = n.connect(a);
  auto cb = n.connect(b);
  ca->send_json({{"type", "offer"}, {"to", b.id}, {"sdp", "v=0 offer"}});
  auto offer = cb->receive_json();
  BOOST_REQUIRE(offer.has_value());
  BOOST_TEST((*offer)["type"] == "offer");
  BOOST_TEST((*offer)["from"] == a.id);
  BOOST_TEST((*offer)["sdp"] == "v=0 offer");
  cb->send_json({{"type", "answer"}, {"to", a.id}, {"sdp", "v=0 answer"}});
  auto answer = ca->receive_json();
  BOOST_REQUIRE(answer.has_value());
  BOOST_TEST((*answer)["type"] == "answer");
  BOOST_TEST((*answer)["from"] == b.id);
  for (int i = 0; i < 3; ++i) {
    auto n = std::to_string(i);
    ca->send_json({{"type", "ice_candidate"}, {"to", b.id}, {"candidate", "c" + n}});
    cb->send_json({{"type", "ice_candidate"}, {"to", a.id}, {"candidate", "d" + n}});
  }
  for (int i = 0; i < 3; ++i) {
    auto at_b = cb->receive_json();
    auto at_a = ca->receive_json();
    BOOST_REQUIRE(at_b.has_value());
    BOOST_REQUIRE(at_a.has_value());
    BOOST_TEST((*at_b)["candidate"] == "c" + std::to_string(i));
    BOOST_TEST((*at_a)["candidate"] == "d" + std::to_string(i));
    BOOST_TEST((*at_b)["from"] == a.id);
  }
  ca->send_json({{"type", "ping"}, {"id", "p1"}});
  auto pong = ca->receive_json();
  BOOST_REQUIRE(pong.has_value());
  BOOST_TEST((*pong)["type"] == "pong");
  BOOST_TEST((*pong)["id"] == "p1");
}

BOOST_AUTO_TEST_CASE(from_is_the_authenticated_sender) {
  node n;
  auto a = n.add_agent();
  auto b = n.add_agent();
  auto c = n.add_agent();
  n.befriend(a, b);
  auto ca = n.connect(a);
  auto cb = n.connect(b);
  ca->send_json({{"type", "offer"}, {"to", b.id}, {"from", c.id}, {"sdp", "x"}});
  auto got = cb->receive_type("offer");
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST((*got)["from"] == a.id);
}

BOOST_AUTO_TEST_CASE(bad_frames_get_an_error_naming_the_field) {
  node n;
  auto a = n.add_agent();
  auto ca = n.connect(a);
  ca->send_json({{"type", "offer"}});
  auto err = ca->receive_json();
  BOOST_REQUIRE(err.has_value());
  BOOST_TEST((*err)["code"] == "invalid_target");
  BOOST_TEST((*err)["message"].get<std::string>().find("\"to\"") != std::string::npos);
  ca->send_json({{"type", "teleport"}, {"to", a.id}});
  err = ca->receive_json();
  BOOST_REQUIRE(err.has_value());
  BOOST_TEST((*err)["code"] == "unknown_type");
}

// At a raised frame limit a 65k-deep frame crashed the server (recursive
// copy when forwarding); now it is invalid_frame and the server lives.
BOOST_AUTO_TEST_CASE(deep_or_suffixed_frames_are_invalid_and_the_server_lives) {
  node n{{{"signaling.max_frame_bytes", "262144"}}};
  auto a = n.add_agent();
  auto b = n.add_agent();
  n.befriend(a, b);
  auto ca = n.connect(a);
  auto cb = n.connect(b);
  auto frame = [&](const std::string& payload) {
    return R"({"type":"notification","to":")" + b.id + R"(","payload":)" + payload + "}";
  };
  BOOST_REQUIRE(ca->send(frame(std::string(65536, '[') + std::string(65536, ']'))));
  auto err = ca->receive_json();
  BOOST_REQUIRE(err.has_value());
  BOOST_TEST((*err)["code"] == "invalid_frame");
  BOOST_TEST((*err)["message"].get<std::string>().find("32 levels") != std::string::npos);
  BOOST_REQUIRE(ca->send(frame("1") + std::string("\0{\"x\":1}", 8)));
  err = ca->receive_json();
  BOOST_REQUIRE(err.has_value());
  BOOST_TEST((*err)["code"] == "invalid_frame");
  // Still serving: a legitimate frame arrives, health answers.
  BOOST_REQUIRE(ca->send(frame("{\"ok\":true}")));
  auto got = cb->receive_json();
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST((*got)["payload"]["ok"] == true);
  BOOST_TEST(n.server.running());
  BOOST_TEST(n.server.get("/api/v1/health").status == 200);
}

BOOST_AUTO_TEST_CASE(a_flood_gets_errors_then_4429) {
  node n(settings{{"signaling.frames_per_sec", "1"}, {"signaling.frame_burst", "3"}});
  auto a = n.add_agent();
  auto ca = n.connect(a);
  for (int i = 0; i < 30; ++i)
    if (!ca->send_json({{"type", "ping"}}))
      break;
  auto err = ca->receive_type("error");
  BOOST_REQUIRE(err.has_value());
  BOOST_TEST((*err)["code"] == "rate_limited");
  BOOST_TEST(ca->wait_closed());
  BOOST_TEST(ca->close_code() == signal::close_code::too_many_frames);
}

BOOST_AUTO_TEST_CASE(a_second_connection_replaces_the_first) {
  node n;
  auto a = n.add_agent();
  auto b = n.add_agent();
  n.befriend(a, b);
  auto first = n.connect(a);
  auto second = n.connect(a);
  auto err = first->receive_type("error");
  BOOST_REQUIRE(err.has_value());
  BOOST_TEST((*err)["code"] == "replaced");
  BOOST_TEST(first->wait_closed());
  BOOST_TEST(first->close_code() == signal::close_code::replaced);
  auto cb = n.connect(b);
  cb->send_json({{"type", "offer"}, {"to", a.id}, {"sdp", "x"}});
  auto got = second->receive_type("offer");
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST((*got)["from"] == b.id);
}

BOOST_AUTO_TEST_CASE(contacts_are_enforced_and_the_cache_follows_changes) {
  node n(settings{{"signaling.require_contacts", "true"}});
  auto a = n.add_agent();
  auto b = n.add_agent();
  auto ca = n.connect(a);
  auto cb = n.connect(b);
  auto offer = json{{"type", "offer"}, {"to", b.id}, {"sdp", "x"}};
  ca->send_json(offer);
  auto err = ca->receive_json();
  BOOST_REQUIRE(err.has_value());
  BOOST_TEST((*err)["code"] == "not_in_contacts");
  BOOST_TEST((*err)["to"] == b.id);
  BOOST_TEST((*err)["ref"] == "offer");
  // Mutual now: the connections' caches are told, offers pass.
  n.befriend(a, b);
  BOOST_TEST(within(5s, [&] {
    ca->send_json(offer);
    auto got = cb->receive_json(300ms);
    return got && (*got)["type"] == "offer";
  }));
  // b removes a: not mutual any more.
  n.remove_contact(b, a);
  BOOST_TEST(within(5s, [&] {
    ca->send_json(offer);
    auto got = ca->receive_json(300ms);
    return got && (*got)["code"] == "not_in_contacts";
  }));
}

BOOST_AUTO_TEST_CASE(relay_open_accept_data_and_byte_rate) {
  node n(settings{{"signaling.relay_bytes_per_sec", "100"},
          {"signaling.relay_burst_bytes", "1500"}});
  auto a = n.add_agent();
  auto b = n.add_agent();
  n.befriend(a, b);
  auto ca = n.connect(a);
  auto cb = n.connect(b);
  ca->send_json({{"type", "relay_open"}, {"to", b.id}, {"relay_id", "r1"}});
  auto req = cb->receive_json();
  BOOST_REQUIRE(req.has_value());
  BOOST_TEST((*req)["type"] == "relay_open");
  BOOST_TEST((*req)["from"] == a.id);
  ca->send_json({{"type", "relay_data"}, {"to", b.id}, {"relay_id", "r1"}, {"data", "early"}});
  auto early = ca->receive_json();
  BOOST_REQUIRE(early.has_value());
  BOOST_TEST((*early)["code"] == "relay_not_open");
  cb->send_json({{"type", "relay_open"}, {"to", a.id}, {"relay_id", "r1"}});
  auto accepted = ca->receive_json();
  BOOST_REQUIRE(accepted.has_value());
  BOOST_TEST((*accepted)["type"] == "relay_open");
  ca->send_json({{"type", "relay_data"}, {"to", b.id}, {"relay_id", "r1"}, {"data", "hello"}});
  auto data = cb->receive_json();
  BOOST_REQUIRE(data.has_value());
  BOOST_TEST((*data)["data"] == "hello");
  BOOST_TEST((*data)["from"] == a.id);
  // The byte rate: 1500 bytes of burst, 100/s refill; 1200 pass, 1200 more don't.
  auto big = std::string(1200, 'x');
  ca->send_json({{"type", "relay_data"}, {"to", b.id}, {"relay_id", "r1"}, {"data", big}});
  BOOST_REQUIRE(cb->receive_type("relay_data").has_value());
  ca->send_json({{"type", "relay_data"}, {"to", b.id}, {"relay_id", "r1"}, {"data", big}});
  auto limited = ca->receive_json();
  BOOST_REQUIRE(limited.has_value());
  BOOST_TEST((*limited)["code"] == "relay_rate_limited");
  // Closing from either side ends it on both.
  cb->send_json({{"type", "relay_close"}, {"to", a.id}, {"relay_id", "r1"}});
  auto closed = ca->receive_json();
  BOOST_REQUIRE(closed.has_value());
  BOOST_TEST((*closed)["type"] == "relay_close");
  ca->send_json({{"type", "relay_data"}, {"to", b.id}, {"relay_id", "r1"}, {"data", "z"}});
  auto after = ca->receive_json();
  BOOST_REQUIRE(after.has_value());
  BOOST_TEST((*after)["code"] == "relay_not_open");
}

BOOST_AUTO_TEST_CASE(relay_daily_quota) {
  // Charged by the relayed frame's size (about 600 bytes each here).
  node n(settings{{"signaling.relay_daily_bytes", "1KiB"}});
  auto a = n.add_agent();
  auto b = n.add_agent();
  n.befriend(a, b);
  auto ca = n.connect(a);
  auto cb = n.connect(b);
  ca->send_json({{"type", "relay_open"}, {"to", b.id}, {"relay_id", "q"}});
  BOOST_REQUIRE(cb->receive_type("relay_open").has_value());
  cb->send_json({{"type", "relay_open"}, {"to", a.id}, {"relay_id", "q"}});
  BOOST_REQUIRE(ca->receive_type("relay_open").has_value());
  auto chunk = json{{"type", "relay_data"}, {"to", b.id}, {"relay_id", "q"},
                    {"data", std::string(450, 'y')}};
  ca->send_json(chunk);
  BOOST_REQUIRE(cb->receive_type("relay_data").has_value());
  ca->send_json(chunk);
  auto quota = ca->receive_json();
  BOOST_REQUIRE(quota.has_value());
  BOOST_TEST((*quota)["code"] == "relay_quota");
  BOOST_TEST((*quota)["ref"] == "relay_data");
  // The quota is a's own: b still relays.
  cb->send_json({{"type", "relay_data"}, {"to", a.id}, {"relay_id", "q"}, {"data", "ok"}});
  auto back = ca->receive_json();
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST((*back)["data"] == "ok");
}

BOOST_AUTO_TEST_CASE(offline_queue_delivery_and_overflow) {
  node n(settings{{"signaling.offline_queue_size", "2"}});
  auto a = n.add_agent();
  auto b = n.add_agent();
  auto ca = n.connect(a);
  ca->send_json({{"type", "notification"}, {"to", b.id}, {"n", 1}});
  ca->send_json({{"type", "bridge_message"}, {"to", b.id}, {"n", 2}});
  ca->send_json({{"type", "notification"}, {"to", b.id}, {"n", 3}});
  auto full = ca->receive_json();
  BOOST_REQUIRE(full.has_value());
  BOOST_TEST((*full)["code"] == "queue_full");
  BOOST_TEST((*full)["to"] == b.id);
  auto cb = n.connect(b);
  auto first = cb->receive_json();
  auto second = cb->receive_json();
  BOOST_REQUIRE(first.has_value());
  BOOST_REQUIRE(second.has_value());
  BOOST_TEST((*first)["n"] == 1);
  BOOST_TEST((*first)["from"] == a.id);
  BOOST_TEST((*second)["type"] == "bridge_message");
  BOOST_TEST(!cb->receive_json(500ms).has_value());  // the refused third never comes
}

BOOST_AUTO_TEST_CASE(twenty_fresh_agents_cannot_push_a_notification_out) {
  // The attack: free agents send to ids that don't exist, and fill the
  // offline queues of registered agents that stay away. Small queues, so the
  // node's own bounds are reached in a few hundred frames.
  node n(settings{{"signaling.offline_queue_size", "10"},
                  {"signaling.offline_queue_total", "100"},
                  {"signaling.frames_per_sec", "1000"},
                  {"signaling.frame_burst", "1000"}});
  std::vector<agent> victims;
  for (int i = 0; i < 12; ++i)
    victims.push_back(n.add_agent());
  std::vector<std::unique_ptr<ws_client>> attackers;
  for (int i = 0; i < 20; ++i) {
    auto mallory = n.add_agent();
    auto c = n.connect(mallory);
    agent nobody;  // never registered
    c->send_json({{"type", "notification"}, {"to", nobody.id}, {"junk", std::string(500, 'x')}});
    auto refused = c->receive_type("error", 5s);
    BOOST_REQUIRE(refused.has_value());
    BOOST_TEST((*refused)["code"] == "not_found");
    BOOST_TEST((*refused)["to"] == nobody.id);
    for (const auto& v : victims)
      for (int k = 0; k < 12; ++k)
        c->send_json({{"type", "notification"}, {"to", v.id}, {"junk", std::string(500, 'x')}});
    attackers.push_back(std::move(c));
  }
  // Every attacker has been told "queue_full" at least once: the queues are full.
  for (auto& c : attackers) {
    auto full = c->receive_type("error", 10s);
    BOOST_REQUIRE(full.has_value());
    BOOST_TEST((*full)["code"] == "queue_full");
  }
  // A legitimate sender still gets a notification queued for victim 0.
  auto alice = n.add_agent();
  auto ca = n.connect(alice);
  ca->send_json({{"type", "notification"}, {"to", victims[0].id}, {"hello", "from alice"}});
  BOOST_TEST(!ca->receive_type("error", 1s).has_value());
  auto cv = n.connect(victims[0]);
  bool got_alices = false;
  while (auto f = cv->receive_type("notification", 2s))
    got_alices |= (*f)["from"] == alice.id && (*f).value("hello", "") == "from alice";
  BOOST_TEST(got_alices);
}

BOOST_AUTO_TEST_CASE(unauthenticated_connections_are_capped_per_address) {
  // A long auth timeout: the idle sockets must not be closed for it meanwhile.
  node n(settings{{"signaling.max_unauthenticated_per_address", "4"},
                  {"signaling.auth_timeout", "1m"}});
  // Sockets that connect and never authenticate hold four places at most.
  std::vector<std::unique_ptr<ws_client>> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(std::make_unique<ws_client>());
    BOOST_REQUIRE(idle.back()->connect(n.server.ws_port()));
  }
  ws_client fifth;
  BOOST_TEST(!fifth.connect(n.server.ws_port()));
  // Authenticated connections don't count: once one of the four
  // authenticates, another may connect, and agents keep connecting.
  auto a = n.add_agent();
  std::string why;
  BOOST_REQUIRE(testkit::authenticate(*idle[0], a.id, a.key.secret_key, &why).has_value());
  std::vector<std::unique_ptr<ws_client>> agents;
  for (int i = 0; i < 6; ++i)
    agents.push_back(n.connect(n.add_agent()));
  // A closed one frees its place too.
  idle[1]->close();
  idle.erase(idle.begin() + 1);
  BOOST_TEST(within(5s, [&] {
    ws_client again;
    return again.connect(n.server.ws_port());
  }));
}

BOOST_AUTO_TEST_CASE(queued_frames_expire_and_the_sender_hears) {
  node n(settings{{"signaling.offline_queue_max_age", "1s"}});
  auto a = n.add_agent();
  auto b = n.add_agent();
  auto ca = n.connect(a);
  ca->send_json({{"type", "notification"}, {"to", b.id}, {"n", 1}});
  auto expired = ca->receive_json(10s);
  BOOST_REQUIRE(expired.has_value());
  BOOST_TEST((*expired)["code"] == "expired");
  BOOST_TEST((*expired)["to"] == b.id);
  BOOST_TEST((*expired)["ref"] == "notification");
}

BOOST_AUTO_TEST_CASE(an_open_connection_keeps_the_agent_online) {
  node n(settings{{"registry.heartbeat_interval", "1s"}, {"registry.offline_after", "3s"}});
  auto a = n.add_agent();
  auto ca = n.connect(a);
  // Well past offline_after with no HTTP heartbeat: the connection beats.
  std::this_thread::sleep_for(6s);
  BOOST_TEST(n.agent_status(a) == "online");
  ca->close();
  BOOST_TEST(within(20s, [&] { return n.agent_status(a) == "offline"; }));
}

BOOST_AUTO_TEST_CASE(deregistering_closes_the_connection_4403) {
  node n(settings{{"registry.heartbeat_interval", "1s"}});
  auto a = n.add_agent();
  auto ca = n.connect(a);
  auto target = "/api/v1/agents/" + a.id;
  BOOST_REQUIRE_EQUAL(
      n.server.send("DELETE", target, "", a.sign_request("DELETE", target, "")).status, 204);
  // Noticed at the connection's next beat.
  BOOST_TEST(ca->wait_closed(10s));
  BOOST_TEST(ca->close_code() == signal::close_code::deregistered);
}

BOOST_AUTO_TEST_SUITE_END()
