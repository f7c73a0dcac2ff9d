// The bridge's pure parts: where an agent is reached in a protocol, the MCP
// session table's bounds, and what a call carries besides the message.
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "protocol/bridge/answer.hpp"
#include "protocol/bridge/endpoint.hpp"
#include "protocol/bridge/forwarding.hpp"
#include "protocol/bridge/mcp_sessions.hpp"

using namespace tessera;

BOOST_AUTO_TEST_SUITE(bridge_rules)

BOOST_AUTO_TEST_CASE(the_endpoint_is_the_cards_entry_or_its_url) {
  nlohmann::json card = {{"url", "https://a.example/"}, {"protocols", {"a2a", "mcp"}}};
  BOOST_TEST(bridge::endpoint_of(card.dump(), "mcp") == "https://a.example/");
  BOOST_TEST(bridge::endpoint_of(card.dump(), "a2a") == "https://a.example/");
  BOOST_TEST(bridge::endpoint_of(card.dump(), "acp") == "");  // not declared
  card["endpoints"] = {{"mcp", "https://a.example/mcp"}};
  BOOST_TEST(bridge::endpoint_of(card.dump(), "mcp") == "https://a.example/mcp");
  BOOST_TEST(bridge::endpoint_of(card.dump(), "a2a") == "https://a.example/");
  BOOST_TEST(bridge::endpoint_of("not json", "mcp") == "");
}

BOOST_AUTO_TEST_CASE(sessions_belong_to_one_agent_and_expire_when_idle) {
  bridge::mcp_sessions sessions(10, 1000);
  BOOST_TEST(sessions.open("s1", {"agent-a", "backend-1", "2025-11-25", 0}, 0));
  auto used = sessions.use("s1", "agent-a", 500);
  BOOST_TEST_REQUIRE(used.has_value());
  BOOST_TEST(used->backend_session == "backend-1");
  BOOST_TEST(!sessions.use("s1", "agent-b", 600).has_value());  // another agent's path
  BOOST_TEST(!sessions.use("nope", "agent-a", 600).has_value());
  // Used at 500, so alive at 1400 and gone 1000 ms after its last use.
  BOOST_TEST(sessions.use("s1", "agent-a", 1400).has_value());
  BOOST_TEST(!sessions.use("s1", "agent-a", 2400).has_value());
  BOOST_TEST(sessions.size() == 0u);
}

BOOST_AUTO_TEST_CASE(a_full_table_refuses_new_sessions_but_drops_expired_ones) {
  bridge::mcp_sessions sessions(2, 1000);
  BOOST_TEST(sessions.open("s1", {"a", "", "", 0}, 0));
  BOOST_TEST(sessions.open("s2", {"a", "", "", 0}, 500));
  BOOST_TEST(!sessions.open("s3", {"a", "", "", 0}, 900));  // both live: refused, not evicted
  BOOST_TEST(sessions.use("s1", "a", 900).has_value());
  BOOST_TEST(sessions.use("s2", "a", 900).has_value());
  BOOST_TEST(sessions.open("s3", {"a", "", "", 0}, 1900));  // both idle 1000 ms: room again
  BOOST_TEST(sessions.size() == 1u);
}

BOOST_AUTO_TEST_CASE(closing_needs_the_right_agent) {
  bridge::mcp_sessions sessions(2, 1000);
  BOOST_TEST(sessions.open("s1", {"a", "", "", 0}, 0));
  BOOST_TEST(!sessions.close("s1", "b"));
  BOOST_TEST(sessions.close("s1", "a"));
  BOOST_TEST(!sessions.close("s1", "a"));
}

BOOST_AUTO_TEST_CASE(traceparent_continues_a_valid_trace_only) {
  const std::string incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto next = bridge::next_traceparent(incoming);
  BOOST_TEST(next.size() == 55u);
  BOOST_TEST(next.substr(0, 36) == incoming.substr(0, 36));         // same trace
  BOOST_TEST(next.substr(36, 16) != incoming.substr(36, 16));       // a new span
  BOOST_TEST(next.substr(52) == "-01");
  for (auto bad : {"", "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                   "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"}) {
    auto fresh = bridge::next_traceparent(bad);
    BOOST_TEST(fresh.size() == 55u);
    BOOST_TEST(fresh.substr(3, 32) != incoming.substr(3, 32));
    BOOST_TEST(fresh.substr(0, 3) == "00-");
  }
}

BOOST_AUTO_TEST_CASE(only_protocol_headers_reach_the_agent) {
  for (auto name : {"Content-Type", "accept", "MCP-Protocol-Version", "last-event-id"})
    BOOST_TEST(bridge::forwarded_mcp_header(name), name);
  for (auto name : {"Authorization", "Cookie", "Mcp-Session-Id", "Host", "Tessera-Caller",
                    "X-Forwarded-For", "Signature"})
    BOOST_TEST(!bridge::forwarded_mcp_header(name), name);
  BOOST_TEST(bridge::caller_header("agent", "z6Mk1") == "agent:z6Mk1");
  BOOST_TEST(bridge::caller_header("anonymous", "") == "anonymous");
}

BOOST_AUTO_TEST_CASE(answer_headers_are_found_case_insensitively) {
  bridge::answer_head h;
  h.headers = {"content-type", "text/event-stream", "Mcp-Session-Id", "abc"};
  BOOST_TEST(h.header("Content-Type") == "text/event-stream");
  BOOST_TEST(h.header("mcp-session-id") == "abc");
  BOOST_TEST(h.header("Allow") == "");
}

BOOST_AUTO_TEST_SUITE_END()
