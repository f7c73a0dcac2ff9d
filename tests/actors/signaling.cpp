// A real signaling_peer and signaling_hub on the local broker, with the real
// readers, writer and registry over a scratch database. The socket side is a
// capturing frame_sink (our own interface: it records what the peer writes).
#include <boost/test/unit_test.hpp>

#include <condition_variable>
#include <mutex>

#include "actors/broker.hpp"
#include "actors/signaling_hub.hpp"
#include "actors/signaling_peer.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/crypto.hpp"
#include "protocol/encoding.hpp"
#include "protocol/signal_frame.hpp"
#include "support.hpp"

using namespace tessera;
using namespace tessera::test;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

/// Records every frame the peer writes and how it closed the connection.
class capture_sink : public frame_sink {
public:
  void send(std::string text) override {
    std::lock_guard lock(mu_);
    frames_.push_back(json::parse(text));
    cv_.notify_all();
  }
  void close(uint16_t code, std::string reason) override {
    std::lock_guard lock(mu_);
    if (code_ == 0) {
      code_ = code;
      reason_ = std::move(reason);
    }
    cv_.notify_all();
  }

  /// The next frame (after those already taken), waiting at most `limit`.
  std::optional<json> next(std::chrono::milliseconds limit = reply_timeout) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, limit, [&] { return read_ < frames_.size(); }))
      return std::nullopt;
    return frames_[read_++];
  }
  /// Skips frames until one of `type`.
  std::optional<json> next_type(const std::string& type,
                                std::chrono::milliseconds limit = reply_timeout) {
    auto until = std::chrono::steady_clock::now() + limit;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return std::nullopt;
      auto f = next(left);
      if (!f)
        return std::nullopt;
      if ((*f)["type"] == type)
        return f;
    }
  }
  /// The close code once the peer closed (0 if it didn't within `limit`).
  uint16_t wait_close(std::chrono::milliseconds limit = reply_timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, limit, [&] { return code_ != 0; });
    return code_;
  }
  std::string reason() {
    std::lock_guard lock(mu_);
    return reason_;
  }

private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<json> frames_;
  size_t read_ = 0;
  uint16_t code_ = 0;
  std::string reason_;
};

struct test_agent {
  crypto::key_pair key = crypto::generate_key_pair();
  std::string id = agent_id::from_public_key(key.public_key);

  std::string sign(const std::string& nonce) const {
    return encoding::base64url_encode(
        crypto::sign(key.secret_key, signal::auth_message(nonce, id)));
  }
};

struct connection {
  std::shared_ptr<capture_sink> sink = std::make_shared<capture_sink>();
  signaling_peer_actor peer;

  void send(const json& frame) const {
    caf::anon_send(peer, atom::frame::value, frame.dump());
  }
};

struct signaling_fixture : actor_fixture {
  config::signaling_settings sig;  // tests change it before the first connection
  config::millis heartbeat_interval{30'000};
  registry_actor registry;
  broker_actor broker;
  signaling_hub_actor hub;

  void start() {
    if (hub)
      return;
    registry_config rc;
    rc.offline_after = 1h;
    rc.flush_interval = 1h;
    rc.timeout = 5s;
    registry = spawn_registry(rc);
    broker = own(spawn_local_broker(*sys));
    hub = own(sys->spawn(signaling_hub, sig, broker, readers));
    caf::anon_send(broker, atom::subscribe::value, hub);
  }

  test_agent add_agent() {
    test_agent a;
    BOOST_REQUIRE(write(insert_op(make_agent(a.id))));
    return a;
  }

  void add_contact(const test_agent& a, const test_agent& b) {
    write_op op;
    op.kind = write_op::add_contact;
    op.agent.id = a.id;
    op.key = b.id;
    op.at = now_ms();
    BOOST_REQUIRE(write(op));
  }
  void befriend(const test_agent& a, const test_agent& b) {
    add_contact(a, b);
    add_contact(b, a);
  }

  /// A connection whose challenge arrived, not yet authenticated.
  std::pair<connection, std::string> open() {
    start();
    connection c;
    signaling_peer_config pc;
    pc.signaling = sig;
    pc.heartbeat_interval = heartbeat_interval;
    pc.timeout = 5s;
    c.peer = own(sys->spawn(signaling_peer, c.sink, pc, hub, readers, registry));
    auto ch = c.sink->next();
    BOOST_REQUIRE(ch.has_value());
    BOOST_REQUIRE((*ch)["type"] == "challenge");
    return {c, (*ch)["nonce"].get<std::string>()};
  }

  /// An authenticated connection (its config frame taken).
  connection connect(const test_agent& a) {
    auto [c, nonce] = open();
    c.send({{"type", "auth"}, {"agent_id", a.id}, {"signature", a.sign(nonce)}});
    auto cfg = c.sink->next();
    BOOST_REQUIRE(cfg.has_value());
    BOOST_REQUIRE((*cfg)["type"] == "config");
    return c;
  }

  json hub_status() { return status_of(hub); }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(signaling, signaling_fixture)

BOOST_AUTO_TEST_CASE(handshake_attaches_and_keeps_the_agent_online) {
  sig.turn.urls = {"stun:stun.example.org", "turn:turn.example.org:3478"};
  sig.turn.secret = "s3cret";
  auto a = add_agent();
  auto [c, nonce] = open();
  BOOST_TEST(nonce.size() >= 40u);
  c.send({{"type", "auth"}, {"agent_id", a.id}, {"signature", a.sign(nonce)}});
  auto cfg = c.sink->next();
  BOOST_REQUIRE(cfg.has_value());
  BOOST_TEST((*cfg)["type"] == "config");
  BOOST_TEST((*cfg)["agent_id"] == a.id);
  BOOST_REQUIRE((*cfg)["ice_servers"].is_array());
  BOOST_TEST((*cfg)["ice_servers"].size() == 2u);
  BOOST_TEST(eventually([&] { return hub_status()["connections"] == 1; }));
  // The connection's first beat put the agent online.
  BOOST_TEST(eventually([&] {
    auto rec = read(a.id);
    return rec && rec->status == "online";
  }));
  c.send({{"type", "ping"}, {"id", 42}});
  auto pong = c.sink->next();
  BOOST_REQUIRE(pong.has_value());
  BOOST_TEST((*pong)["type"] == "pong");
  BOOST_TEST((*pong)["id"] == 42);
  caf::anon_send(c.peer, atom::closed::value);
  BOOST_TEST(eventually([&] { return hub_status()["connections"] == 0; }));
}

BOOST_AUTO_TEST_CASE(bad_signature_closes_4401) {
  auto a = add_agent();
  auto [c, nonce] = open();
  // Signed over another nonce, as if replayed from another connection.
  c.send({{"type", "auth"}, {"agent_id", a.id}, {"signature", a.sign(signal::make_nonce())}});
  BOOST_TEST(c.sink->wait_close() == signal::close_code::bad_signature);
  BOOST_TEST(hub_status()["connections"] == 0);
}

BOOST_AUTO_TEST_CASE(unknown_agent_closes_4404) {
  test_agent stranger;
  auto [c, nonce] = open();
  c.send({{"type", "auth"}, {"agent_id", stranger.id}, {"signature", stranger.sign(nonce)}});
  BOOST_TEST(c.sink->wait_close() == signal::close_code::unknown_agent);
  BOOST_TEST(c.sink->reason() == "unknown agent");
}

BOOST_AUTO_TEST_CASE(a_first_frame_other_than_auth_closes_4400) {
  auto a = add_agent();
  auto b = add_agent();
  auto [c, nonce] = open();
  c.send({{"type", "offer"}, {"to", b.id}});
  BOOST_TEST(c.sink->wait_close() == signal::close_code::bad_auth_frame);
  BOOST_TEST(c.sink->reason().find("auth") != std::string::npos);
  auto [c2, nonce2] = open();
  caf::anon_send(c2.peer, atom::frame::value, std::string("not json"));
  BOOST_TEST(c2.sink->wait_close() == signal::close_code::bad_auth_frame);
}

BOOST_AUTO_TEST_CASE(no_auth_in_time_closes_4408) {
  sig.auth_timeout = 200ms;
  auto [c, nonce] = open();
  BOOST_TEST(c.sink->wait_close() == signal::close_code::auth_timeout);
}

BOOST_AUTO_TEST_CASE(from_cannot_be_spoofed) {
  auto a = add_agent();
  auto b = add_agent();
  auto c = add_agent();
  befriend(a, b);
  auto ca = connect(a);
  auto cb = connect(b);
  ca.send({{"type", "offer"}, {"to", b.id}, {"from", c.id}, {"sdp", "v=0"}});
  auto offer = cb.sink->next_type("offer");
  BOOST_REQUIRE(offer.has_value());
  BOOST_TEST((*offer)["from"] == a.id);
  BOOST_TEST((*offer)["sdp"] == "v=0");
}

BOOST_AUTO_TEST_CASE(offers_need_mutual_contacts) {
  auto a = add_agent();
  auto b = add_agent();
  add_contact(a, b);  // one side only
  auto ca = connect(a);
  auto cb = connect(b);
  ca.send({{"type", "offer"}, {"to", b.id}, {"sdp", "v=0"}});
  auto err = ca.sink->next();
  BOOST_REQUIRE(err.has_value());
  BOOST_TEST((*err)["code"] == "not_in_contacts");
  BOOST_TEST((*err)["to"] == b.id);
  BOOST_TEST((*err)["ref"] == "offer");
  // A notification needs no contacts; it being b's first frame shows the
  // offer never reached b.
  ca.send({{"type", "notification"}, {"to", b.id}, {"text", "hi"}});
  auto first = cb.sink->next();
  BOOST_REQUIRE(first.has_value());
  BOOST_TEST((*first)["type"] == "notification");
  // The other side adds a: the hub tells both peers, the cache follows.
  add_contact(b, a);
  caf::anon_send(hub, atom::contacts::value, a.id, b.id);
  BOOST_TEST(eventually([&] {
    ca.send({{"type", "offer"}, {"to", b.id}, {"sdp", "v=1"}});
    auto got = cb.sink->next(200ms);
    return got && (*got)["type"] == "offer";
  }));
}

BOOST_AUTO_TEST_CASE(the_receiving_side_checks_contacts_too) {
  auto a = add_agent();
  auto b = add_agent();
  befriend(a, b);
  auto ca = connect(a);
  auto cb = connect(b);
  ca.send({{"type", "offer"}, {"to", b.id}, {"sdp", "v=0"}});
  auto passed = cb.sink->next();
  BOOST_REQUIRE(passed.has_value());
  BOOST_TEST((*passed)["type"] == "offer");
  // b drops a, and only b's connection hears of it: a's cache is stale (as
  // on a node that missed the change), so a's side lets the next offer go.
  write_op op;
  op.kind = write_op::remove_contact;
  op.agent.id = b.id;
  op.key = a.id;
  BOOST_REQUIRE(write(op));
  caf::anon_send(cb.peer, atom::contacts::value);
  BOOST_TEST(eventually([&] {
    ca.send({{"type", "offer"}, {"to", b.id}, {"sdp", "v=1"}});
    auto err = ca.sink->next_type("error", 200ms);
    return err && (*err)["code"] == "not_in_contacts" && (*err)["to"] == b.id &&
           (*err)["ref"] == "offer";
  }));
  // Once refused there, an offer never reaches b (earlier tries may have).
  ca.send({{"type", "offer"}, {"to", b.id}, {"sdp", "v=2"}});
  BOOST_TEST(ca.sink->next_type("error").has_value());
  while (auto got = cb.sink->next(300ms))
    BOOST_TEST((*got)["sdp"] != "v=2");
}

BOOST_AUTO_TEST_CASE(a_flood_is_refused_then_closed) {
  sig.frames_per_sec = 1;
  sig.frame_burst = 3;
  auto a = add_agent();
  auto ca = connect(a);
  for (int i = 0; i < 20; ++i)
    ca.send({{"type", "ping"}});
  auto limited = ca.sink->next_type("error");
  BOOST_REQUIRE(limited.has_value());
  BOOST_TEST((*limited)["code"] == "rate_limited");
  BOOST_TEST(ca.sink->wait_close() == signal::close_code::too_many_frames);
}

BOOST_AUTO_TEST_CASE(a_second_connection_replaces_the_first) {
  auto a = add_agent();
  auto b = add_agent();
  auto first = connect(a);
  auto second = connect(a);
  auto err = first.sink->next_type("error");
  BOOST_REQUIRE(err.has_value());
  BOOST_TEST((*err)["code"] == "replaced");
  BOOST_TEST(first.sink->wait_close() == signal::close_code::replaced);
  auto cb = connect(b);
  cb.send({{"type", "notification"}, {"to", a.id}, {"n", 1}});
  auto got = second.sink->next_type("notification");
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST((*got)["from"] == b.id);
  auto st = hub_status();
  BOOST_TEST(st["replaced"] == 1);
  BOOST_TEST(st["connections"] == 2);
}

BOOST_AUTO_TEST_CASE(relay_open_accept_data_close) {
  auto a = add_agent();
  auto b = add_agent();
  befriend(a, b);
  auto ca = connect(a);
  auto cb = connect(b);
  ca.send({{"type", "relay_open"}, {"to", b.id}, {"relay_id", "r1"}});
  auto open_b = cb.sink->next();
  BOOST_REQUIRE(open_b.has_value());
  BOOST_TEST((*open_b)["type"] == "relay_open");
  BOOST_TEST((*open_b)["from"] == a.id);
  // Not accepted yet: data doesn't pass.
  ca.send({{"type", "relay_data"}, {"to", b.id}, {"relay_id", "r1"}, {"data", "early"}});
  auto early = ca.sink->next();
  BOOST_REQUIRE(early.has_value());
  BOOST_TEST((*early)["code"] == "relay_not_open");
  // b accepts.
  cb.send({{"type", "relay_open"}, {"to", a.id}, {"relay_id", "r1"}});
  auto accepted = ca.sink->next();
  BOOST_REQUIRE(accepted.has_value());
  BOOST_TEST((*accepted)["type"] == "relay_open");
  BOOST_TEST((*accepted)["from"] == b.id);
  ca.send({{"type", "relay_data"}, {"to", b.id}, {"relay_id", "r1"}, {"data", "hello"}});
  auto data = cb.sink->next();
  BOOST_REQUIRE(data.has_value());
  BOOST_TEST((*data)["type"] == "relay_data");
  BOOST_TEST((*data)["data"] == "hello");
  cb.send({{"type", "relay_data"}, {"to", a.id}, {"relay_id", "r1"}, {"data", "back"}});
  auto back = ca.sink->next();
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST((*back)["data"] == "back");
  ca.send({{"type", "relay_close"}, {"to", b.id}, {"relay_id", "r1"}});
  auto closed = cb.sink->next();
  BOOST_REQUIRE(closed.has_value());
  BOOST_TEST((*closed)["type"] == "relay_close");
  cb.send({{"type", "relay_data"}, {"to", a.id}, {"relay_id", "r1"}, {"data", "late"}});
  auto late = cb.sink->next();
  BOOST_REQUIRE(late.has_value());
  BOOST_TEST((*late)["code"] == "relay_not_open");
  BOOST_TEST(hub_status()["relay_bytes"].get<uint64_t>() > 0u);
}

BOOST_AUTO_TEST_CASE(relay_limits_rate_quota_and_count) {
  sig.relay_bytes_per_sec = 1;
  sig.relay_burst_bytes = 100;
  auto a = add_agent();
  auto b = add_agent();
  befriend(a, b);
  auto ca = connect(a);
  auto cb = connect(b);
  ca.send({{"type", "relay_open"}, {"to", b.id}, {"relay_id", "r"}});
  BOOST_REQUIRE(cb.sink->next_type("relay_open"));
  cb.send({{"type", "relay_open"}, {"to", a.id}, {"relay_id", "r"}});
  BOOST_REQUIRE(ca.sink->next_type("relay_open"));
  auto chunk = json{{"type", "relay_data"}, {"to", b.id}, {"relay_id", "r"},
                    {"data", std::string(80, 'x')}};
  ca.send(chunk);
  BOOST_REQUIRE(cb.sink->next_type("relay_data"));
  ca.send(chunk);
  auto limited = ca.sink->next();
  BOOST_REQUIRE(limited.has_value());
  BOOST_TEST((*limited)["code"] == "relay_rate_limited");
  // At most 16 relays open or pending per connection.
  for (int i = 0; i < 15; ++i)
    ca.send({{"type", "relay_open"}, {"to", b.id}, {"relay_id", "p" + std::to_string(i)}});
  ca.send({{"type", "relay_open"}, {"to", b.id}, {"relay_id", "one-too-many"}});
  auto many = ca.sink->next();
  BOOST_REQUIRE(many.has_value());
  BOOST_TEST((*many)["code"] == "too_many_relays");
}

BOOST_AUTO_TEST_CASE(relay_quota_is_charged_per_day_in_the_hub) {
  sig.relay_daily_bytes = 300;
  auto a = add_agent();
  auto b = add_agent();
  befriend(a, b);
  auto ca = connect(a);
  auto cb = connect(b);
  ca.send({{"type", "relay_open"}, {"to", b.id}, {"relay_id", "q"}});
  BOOST_REQUIRE(cb.sink->next_type("relay_open"));
  cb.send({{"type", "relay_open"}, {"to", a.id}, {"relay_id", "q"}});
  BOOST_REQUIRE(ca.sink->next_type("relay_open"));
  ca.send({{"type", "relay_data"}, {"to", b.id}, {"relay_id", "q"},
           {"data", std::string(100, 'x')}});
  BOOST_REQUIRE(cb.sink->next_type("relay_data"));
  ca.send({{"type", "relay_data"}, {"to", b.id}, {"relay_id", "q"},
           {"data", std::string(200, 'x')}});
  auto over = ca.sink->next();
  BOOST_REQUIRE(over.has_value());
  BOOST_TEST((*over)["code"] == "relay_quota");
  BOOST_TEST((*over)["ref"] == "relay_data");
  BOOST_TEST(hub_status()["relay_refused"] == 1);
}

BOOST_AUTO_TEST_CASE(queued_frames_are_delivered_on_attach) {
  auto a = add_agent();
  auto b = add_agent();
  befriend(a, b);
  auto ca = connect(a);
  ca.send({{"type", "notification"}, {"to", b.id}, {"n", 1}});
  ca.send({{"type", "bridge_message"}, {"to", b.id}, {"n", 2}});
  // Offers aren't queued: the sender hears the target is not connected.
  ca.send({{"type", "offer"}, {"to", b.id}, {"sdp", "v=0"}});
  auto nc = ca.sink->next();
  BOOST_REQUIRE(nc.has_value());
  BOOST_TEST((*nc)["code"] == "not_connected");
  BOOST_TEST((*nc)["ref"] == "offer");
  // Queued once the target is found registered.
  BOOST_TEST(eventually([&] { return hub_status()["queue_size"] == 2; }));
  auto cb = connect(b);
  auto first = cb.sink->next();
  auto second = cb.sink->next();
  BOOST_REQUIRE(first.has_value());
  BOOST_REQUIRE(second.has_value());
  BOOST_TEST((*first)["type"] == "notification");
  BOOST_TEST((*first)["from"] == a.id);
  BOOST_TEST((*second)["type"] == "bridge_message");
  BOOST_TEST(hub_status()["queue_size"] == 0);
}

BOOST_AUTO_TEST_CASE(a_full_queue_is_told_to_the_sender) {
  sig.offline_queue_size = 2;
  auto a = add_agent();
  auto b = add_agent();
  auto ca = connect(a);
  for (int i = 0; i < 3; ++i)
    ca.send({{"type", "notification"}, {"to", b.id}, {"n", i}});
  auto full = ca.sink->next();
  BOOST_REQUIRE(full.has_value());
  BOOST_TEST((*full)["code"] == "queue_full");
  BOOST_TEST((*full)["to"] == b.id);
  BOOST_TEST(eventually([&] { return hub_status()["queued"] == 2; }));
  BOOST_TEST(hub_status()["queue_full"] == 1);
}

BOOST_AUTO_TEST_CASE(expired_frames_are_told_to_the_sender) {
  sig.offline_queue_max_age = 200ms;
  auto a = add_agent();
  auto b = add_agent();
  auto ca = connect(a);
  ca.send({{"type", "notification"}, {"to", b.id}, {"n", 1}});
  auto expired = ca.sink->next(5s);
  BOOST_REQUIRE(expired.has_value());
  BOOST_TEST((*expired)["code"] == "expired");
  BOOST_TEST((*expired)["to"] == b.id);
  BOOST_TEST((*expired)["ref"] == "notification");
  // b connecting later gets nothing from the queue.
  auto cb = connect(b);
  BOOST_TEST(hub_status()["expired"] == 1);
  BOOST_TEST(!cb.sink->next(300ms).has_value());
}

BOOST_AUTO_TEST_CASE(a_deregistered_agent_is_closed_4403) {
  heartbeat_interval = 100ms;
  auto a = add_agent();
  auto ca = connect(a);
  BOOST_REQUIRE(ask<caf::ok_atom>(registry, atom::remove::value, a.id));
  BOOST_TEST(ca.sink->wait_close() == signal::close_code::deregistered);
  BOOST_TEST(eventually([&] { return hub_status()["connections"] == 0; }));
}

BOOST_AUTO_TEST_CASE(status_includes_the_broker_or_down) {
  start();
  auto st = hub_status();
  BOOST_TEST(st["connections"] == 0);
  BOOST_TEST(st["broker"]["kind"] == "local");
  BOOST_TEST(st["broker"]["state"] == "ok");
  (*self)->send_exit(broker, caf::exit_reason::user_shutdown);
  (*self)->wait_for(broker);
  BOOST_TEST(hub_status()["broker"] == "down");
}

BOOST_AUTO_TEST_SUITE_END()
