#include "protocol/signal_frame.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "protocol/agent_id.hpp"
#include "protocol/crypto.hpp"
#include "protocol/encoding.hpp"

using namespace tessera;

namespace {

struct test_agent {
  crypto::key_pair key = crypto::generate_key_pair();
  std::string id = agent_id::from_public_key(key.public_key);

  std::string sign_raw(const std::string& nonce) const {
    return crypto::sign(key.secret_key, signal::auth_message(nonce, id));
  }
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

signal::parse_result parse_json(const nlohmann::json& j, const std::string& self) {
  return signal::parse(j.dump(), self);
}

}  // namespace

namespace tessera::signal {
/// Lets Boost.Test print kinds in failed comparisons.
inline std::ostream& boost_test_print_type(std::ostream& os, kind k) {
  return os << to_string(k);
}
}  // namespace tessera::signal

BOOST_AUTO_TEST_SUITE(signal_frame)

BOOST_AUTO_TEST_CASE(auth_message_and_nonces) {
  BOOST_TEST(signal::auth_message("abc", "z6Mkx") == "tessera-signal-v1:abc:z6Mkx");
  auto a = signal::make_nonce();
  auto b = signal::make_nonce();
  BOOST_TEST(a != b);
  auto raw = encoding::base64url_decode(a);
  BOOST_REQUIRE(raw.has_value());
  BOOST_TEST(raw->size() == 32u);
}

BOOST_AUTO_TEST_CASE(check_auth_accepts_base64url_and_base64) {
  test_agent agent;
  auto nonce = signal::make_nonce();
  auto sig = agent.sign_raw(nonce);
  BOOST_TEST(signal::check_auth(nonce, agent.id, encoding::base64url_encode(sig)));
  BOOST_TEST(signal::check_auth(nonce, agent.id, encoding::base64_encode(sig)));
}

BOOST_AUTO_TEST_CASE(check_auth_refuses_other_nonce_agent_or_garbage) {
  test_agent agent, other;
  auto nonce = signal::make_nonce();
  auto sig = encoding::base64url_encode(agent.sign_raw(nonce));
  // A signature over another connection's nonce.
  BOOST_TEST(!signal::check_auth(signal::make_nonce(), agent.id, sig));
  // Claimed by another agent.
  BOOST_TEST(!signal::check_auth(nonce, other.id, sig));
  // Signed by another key.
  auto forged = encoding::base64url_encode(crypto::sign(other.key.secret_key,
                                                        signal::auth_message(nonce, agent.id)));
  BOOST_TEST(!signal::check_auth(nonce, agent.id, forged));
  BOOST_TEST(!signal::check_auth(nonce, agent.id, "not base64 !!"));
  BOOST_TEST(!signal::check_auth(nonce, agent.id, encoding::base64url_encode("short")));
  BOOST_TEST(!signal::check_auth(nonce, "not-an-id", sig));
}

BOOST_AUTO_TEST_CASE(parse_auth_names_the_field) {
  test_agent agent;
  auto good = signal::parse_auth(
      nlohmann::json{{"type", "auth"}, {"agent_id", agent.id}, {"signature", "abc"}}.dump());
  BOOST_TEST(good.ok);
  BOOST_TEST(good.agent_id == agent.id);
  BOOST_TEST(good.signature == "abc");

  auto not_json = signal::parse_auth("{nope");
  BOOST_TEST(!not_json.ok);
  BOOST_TEST(contains(not_json.message, "JSON"));
  auto wrong_type = signal::parse_auth(R"({"type":"offer"})");
  BOOST_TEST(!wrong_type.ok);
  BOOST_TEST(contains(wrong_type.message, "\"type\""));
  auto bad_id = signal::parse_auth(R"({"type":"auth","agent_id":"x","signature":"abc"})");
  BOOST_TEST(!bad_id.ok);
  BOOST_TEST(contains(bad_id.message, "\"agent_id\""));
  auto no_sig = signal::parse_auth(
      nlohmann::json{{"type", "auth"}, {"agent_id", agent.id}}.dump());
  BOOST_TEST(!no_sig.ok);
  BOOST_TEST(contains(no_sig.message, "\"signature\""));
  auto num_sig = signal::parse_auth(
      nlohmann::json{{"type", "auth"}, {"agent_id", agent.id}, {"signature", 5}}.dump());
  BOOST_TEST(!num_sig.ok);
  BOOST_TEST(contains(num_sig.message, "\"signature\""));
}

BOOST_AUTO_TEST_CASE(parse_accepts_every_client_type) {
  test_agent self, peer;
  for (auto type : {"offer", "answer", "ice_candidate", "bridge_message", "notification"}) {
    auto r = parse_json({{"type", type}, {"to", peer.id}, {"sdp", "v=0"}}, self.id);
    BOOST_TEST_CONTEXT(type) {
      BOOST_TEST(r.ok);
      BOOST_TEST(signal::to_string(r.value.type) == std::string(type));
      BOOST_TEST(r.value.to == peer.id);
    }
  }
  auto ping = parse_json({{"type", "ping"}, {"id", 7}}, self.id);
  BOOST_TEST(ping.ok);
  BOOST_TEST(ping.value.type == signal::kind::ping);
  BOOST_TEST(ping.value.to.empty());
  auto open = parse_json({{"type", "relay_open"}, {"to", peer.id}, {"relay_id", "r-1_A"}}, self.id);
  BOOST_TEST(open.ok);
  auto data = parse_json(
      {{"type", "relay_data"}, {"to", peer.id}, {"relay_id", "r1"}, {"data", "xyz"}}, self.id);
  BOOST_TEST(data.ok);
  BOOST_TEST(data.value.type == signal::kind::relay_data);
}

BOOST_AUTO_TEST_CASE(parse_failures_name_the_field) {
  test_agent self, peer;
  auto not_json = signal::parse("{", self.id);
  BOOST_TEST(!not_json.ok);
  BOOST_TEST(not_json.code == "invalid_frame");
  auto array = signal::parse("[1]", self.id);
  BOOST_TEST(array.code == "invalid_frame");
  BOOST_TEST(contains(array.message, "object"));
  auto no_type = parse_json({{"to", peer.id}}, self.id);
  BOOST_TEST(no_type.code == "invalid_frame");
  BOOST_TEST(contains(no_type.message, "\"type\""));
  auto unknown = parse_json({{"type", "auth"}, {"to", peer.id}}, self.id);
  BOOST_TEST(unknown.code == "unknown_type");
  BOOST_TEST(contains(unknown.message, "\"type\""));
  auto no_to = parse_json({{"type", "offer"}}, self.id);
  BOOST_TEST(no_to.code == "invalid_target");
  BOOST_TEST(contains(no_to.message, "\"to\""));
  auto bad_to = parse_json({{"type", "offer"}, {"to", "bob"}}, self.id);
  BOOST_TEST(bad_to.code == "invalid_target");
  BOOST_TEST(contains(bad_to.message, "\"to\""));
  auto to_self = parse_json({{"type", "offer"}, {"to", self.id}}, self.id);
  BOOST_TEST(to_self.code == "invalid_target");
  auto no_relay_id = parse_json({{"type", "relay_open"}, {"to", peer.id}}, self.id);
  BOOST_TEST(no_relay_id.code == "invalid_frame");
  BOOST_TEST(contains(no_relay_id.message, "\"relay_id\""));
  auto bad_relay_id =
      parse_json({{"type", "relay_close"}, {"to", peer.id}, {"relay_id", "a b"}}, self.id);
  BOOST_TEST(contains(bad_relay_id.message, "\"relay_id\""));
  auto long_relay_id = parse_json(
      {{"type", "relay_close"}, {"to", peer.id}, {"relay_id", std::string(65, 'a')}}, self.id);
  BOOST_TEST(!long_relay_id.ok);
  auto no_data = parse_json({{"type", "relay_data"}, {"to", peer.id}, {"relay_id", "r"}}, self.id);
  BOOST_TEST(no_data.code == "invalid_frame");
  BOOST_TEST(contains(no_data.message, "\"data\""));
  auto num_data = parse_json(
      {{"type", "relay_data"}, {"to", peer.id}, {"relay_id", "r"}, {"data", 1}}, self.id);
  BOOST_TEST(contains(num_data.message, "\"data\""));
}

// A frame is one JSON value with the HTTP body limits: nothing after it, no
// NUL, nesting up to 32 (a 65k-deep frame crashed the forwarding copy).
BOOST_AUTO_TEST_CASE(parse_refuses_trailing_bytes_and_deep_nesting) {
  using namespace std::string_literals;
  test_agent self, peer;
  auto base = nlohmann::json{{"type", "notification"}, {"to", peer.id}}.dump();
  BOOST_TEST(signal::parse(base, self.id).ok);
  auto nul = signal::parse(base + "\0{\"x\":1}"s, self.id);
  BOOST_TEST(nul.code == "invalid_frame");
  BOOST_TEST(contains(nul.message, "NUL"));
  BOOST_TEST(signal::parse(base + "{}", self.id).code == "invalid_frame");
  auto nested = [&](int levels) {
    return R"({"type":"notification","to":")" + peer.id + R"(","payload":)" +
           std::string(levels, '[') + std::string(levels, ']') + "}";
  };
  BOOST_TEST(signal::parse(nested(31), self.id).ok);
  auto deep = signal::parse(nested(65536), self.id);
  BOOST_TEST(deep.code == "invalid_frame");
  BOOST_TEST(contains(deep.message, "nests deeper than 32"));
  auto auth = signal::parse_auth(R"({"type":"auth","agent_id":"x","signature":"s"})" + "\0"s);
  BOOST_TEST(!auth.ok);
  BOOST_TEST(contains(auth.message, "NUL"));
}

BOOST_AUTO_TEST_CASE(forwarded_overwrites_from) {
  test_agent self, peer, spoofed;
  auto r = parse_json({{"type", "offer"}, {"to", peer.id}, {"from", spoofed.id}, {"sdp", "v=0"}},
                      self.id);
  BOOST_REQUIRE(r.ok);
  auto out = nlohmann::json::parse(signal::forwarded(r.value, self.id));
  BOOST_TEST(out["from"] == self.id);
  BOOST_TEST(out["sdp"] == "v=0");
  BOOST_TEST(out["to"] == peer.id);
  BOOST_TEST(out["type"] == "offer");
}

BOOST_AUTO_TEST_CASE(kinds_classify) {
  BOOST_TEST(signal::needs_contacts(signal::kind::offer));
  BOOST_TEST(signal::needs_contacts(signal::kind::ice_candidate));
  BOOST_TEST(signal::needs_contacts(signal::kind::relay_data));
  BOOST_TEST(!signal::needs_contacts(signal::kind::notification));
  BOOST_TEST(!signal::needs_contacts(signal::kind::ping));
  BOOST_TEST(signal::queueable(signal::kind::bridge_message));
  BOOST_TEST(signal::queueable(signal::kind::notification));
  BOOST_TEST(!signal::queueable(signal::kind::offer));
}

BOOST_AUTO_TEST_CASE(server_frames) {
  auto ch = nlohmann::json::parse(signal::challenge("n1"));
  BOOST_TEST(ch["type"] == "challenge");
  BOOST_TEST(ch["nonce"] == "n1");
  auto cfg = nlohmann::json::parse(signal::config(nlohmann::json::array(), "z6Mkx"));
  BOOST_TEST(cfg["type"] == "config");
  BOOST_TEST(cfg["agent_id"] == "z6Mkx");
  BOOST_TEST(cfg["ice_servers"].is_array());
  auto p = nlohmann::json::parse(signal::pong(nlohmann::json(3)));
  BOOST_TEST(p["type"] == "pong");
  BOOST_TEST(p["id"] == 3);
  BOOST_TEST(!nlohmann::json::parse(signal::pong(nullptr)).contains("id"));
  auto e = nlohmann::json::parse(signal::error("not_in_contacts", "why", "z6Mky", "offer"));
  BOOST_TEST(e["type"] == "error");
  BOOST_TEST(e["code"] == "not_in_contacts");
  BOOST_TEST(e["message"] == "why");
  BOOST_TEST(e["to"] == "z6Mky");
  BOOST_TEST(e["ref"] == "offer");
  auto bare = nlohmann::json::parse(signal::error("x", "y"));
  BOOST_TEST(!bare.contains("to"));
  BOOST_TEST(!bare.contains("ref"));
}

BOOST_AUTO_TEST_SUITE_END()
