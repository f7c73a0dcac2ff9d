// bridge.policy and the bridge's call limits, through the real server: who
// may call an agent at /mcp/{agent_id}, and how often. A caller let through
// reaches the MCP handler, which then asks for a session (400); a caller kept
// out gets 401 or 403, one over its limit 429, and nothing is forwarded.
// (The call itself: tests/e2e/mcp_gateway.test.mjs.)
#include <boost/test/unit_test.hpp>

#include "support.hpp"

using namespace tessera::test;
using nlohmann::json;

namespace {

const std::string tools_list = R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})";
const std::string initialize =
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",)"
    R"("capabilities":{},"clientInfo":{"name":"t","version":"1"}}})";

struct policy_fixture {
  temp_dir dir;
  test_database db{dir};
  server_process server;
  account owner, stranger;
  agent target, contact, other;

  explicit policy_fixture(const std::string& policy,
                          std::map<std::string, std::string> extra = {})
      : server(dir, db, with_policy(dir, policy, std::move(extra))) {
    server.start();
    owner = sign_up(server, "owner@example.com", "Owner");
    stranger = sign_up(server, "stranger@example.com", "Stranger");
    register_and_claim(server, target, owner);
    // Its endpoint is on loopback, which the bridge refuses (bridge.allow_cidrs
    // is empty): a call that gets through its checks ends in 502, at once.
    auto unsigned_card = target.card("MCP agent", {"mcp"});
    unsigned_card["url"] = "http://127.0.0.1:1/mcp";
    auto card = target.sign(unsigned_card).dump();
    auto agent_path = "/api/v1/agents/" + target.id;
    auto replaced =
        server.send("PUT", agent_path, card, target.sign_request("PUT", agent_path, card));
    BOOST_REQUIRE_MESSAGE(replaced.status == 200, replaced.body);
    for (auto* a : {&contact, &other}) {
      auto res = a->register_at(server, a->sign(a->card("Caller")));
      BOOST_REQUIRE_MESSAGE(res.status == 201, res.body);
    }
    // target and contact list each other: mutual contacts.
    befriend(target, contact.id);
    befriend(contact, target.id);
  }

  static std::map<std::string, std::string> with_policy(const temp_dir& dir,
                                                        const std::string& policy,
                                                        std::map<std::string, std::string> extra) {
    extra.emplace("bridge.policy", policy);
    return account_settings(dir, std::move(extra));
  }

  void befriend(const agent& a, const std::string& id) {
    auto path = "/api/v1/agents/" + a.id + "/contacts";
    auto body = json{{"contact_id", id}}.dump();
    auto res = server.send("POST", path, body, a.sign_request("POST", path, body));
    BOOST_REQUIRE_MESSAGE(res.status == 201, res.body);
  }

  std::string path() const { return "/mcp/" + target.id; }

  http_result anonymous(const std::string& body = tools_list) {
    return server.send("POST", path(), body, {});
  }
  http_result as_agent(const agent& a, const std::string& body = tools_list) {
    return server.send("POST", path(), body, a.sign_request("POST", path(), body));
  }
  http_result as_user(const account& u, const std::string& body = tools_list) {
    return server.send("POST", path(), body, u.auth());
  }
};

void let_through(const http_result& res) {
  BOOST_TEST(res.status == 400, res.body);
  BOOST_TEST(res.error_message().rfind("Mcp-Session-Id:", 0) == 0u, res.body);
}

// An initialize that passed the limits and was sent on: the endpoint is
// refused, and the caller learns why but not the address.
void sent_on(const http_result& res) {
  BOOST_TEST(res.status == 502, res.body);
  BOOST_TEST(res.error_message().find("(address_blocked)") != std::string::npos, res.body);
  BOOST_TEST(res.body.find("127.0.0.1") == std::string::npos, res.body);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(bridge_policy)

BOOST_AUTO_TEST_CASE(open_lets_anyone_call) {
  policy_fixture f("open");
  let_through(f.anonymous());
  let_through(f.as_agent(f.other));
  let_through(f.as_user(f.stranger));
}

BOOST_AUTO_TEST_CASE(open_with_auth_required_acts_as_users) {
  policy_fixture f("open", {{"auth.required", "true"}});
  BOOST_TEST(f.anonymous().status == 401);
  let_through(f.as_agent(f.other));
}

BOOST_AUTO_TEST_CASE(users_needs_credentials) {
  policy_fixture f("users");
  auto anonymous = f.anonymous();
  BOOST_TEST(anonymous.status == 401, anonymous.body);
  BOOST_TEST(anonymous.error_message().find("bridge.policy users") != std::string::npos,
             anonymous.body);
  let_through(f.as_agent(f.other));
  let_through(f.as_user(f.stranger));
}

BOOST_AUTO_TEST_CASE(contacts_lets_only_contacts_the_agent_and_its_owner_call) {
  policy_fixture f("contacts");
  BOOST_TEST(f.anonymous().status == 401);
  auto stranger_agent = f.as_agent(f.other);
  BOOST_TEST(stranger_agent.status == 403, stranger_agent.body);
  BOOST_TEST(stranger_agent.error_message().find("mutual contacts") != std::string::npos,
             stranger_agent.body);
  auto stranger_user = f.as_user(f.stranger);
  BOOST_TEST(stranger_user.status == 403, stranger_user.body);
  let_through(f.as_agent(f.contact));
  let_through(f.as_agent(f.target));
  let_through(f.as_user(f.owner));
  // A contact on one side only is not enough.
  f.befriend(f.other, f.target.id);
  BOOST_TEST(f.as_agent(f.other).status == 403);
}

BOOST_AUTO_TEST_CASE(a_caller_over_its_limit_gets_429_and_others_still_call) {
  policy_fixture f("open", {{"rate_limit.enabled", "true"},
                            {"bridge.caller_calls_per_sec", "0.01"},
                            {"bridge.caller_burst", "3"}});
  // A request refused before it would be sent (no session) costs nothing.
  for (int i = 0; i < 5; ++i) let_through(f.anonymous());
  for (int i = 0; i < 3; ++i) sent_on(f.anonymous(initialize));
  auto over = f.anonymous(initialize);
  BOOST_TEST(over.status == 429, over.body);
  auto retry = over.headers.find("Retry-After");
  BOOST_TEST_REQUIRE((retry != over.headers.end()));
  BOOST_TEST(std::stoi(retry->second) >= 1);
  BOOST_TEST(over.error_message().find("bridge.caller_calls_per_sec") != std::string::npos,
             over.body);
  // Each caller has its own bucket.
  sent_on(f.as_agent(f.other, initialize));
  sent_on(f.as_user(f.stranger, initialize));
}

BOOST_AUTO_TEST_CASE(an_agent_called_too_often_gets_429_for_everyone) {
  policy_fixture f("open", {{"rate_limit.enabled", "true"},
                            {"bridge.agent_calls_per_sec", "0.01"},
                            {"bridge.agent_burst", "2"}});
  sent_on(f.as_agent(f.other, initialize));
  sent_on(f.as_user(f.stranger, initialize));
  auto over = f.as_agent(f.contact, initialize);
  BOOST_TEST(over.status == 429, over.body);
  // The refused call did not count against its caller: another agent is
  // still callable by it.
  auto elsewhere_path = "/mcp/" + f.other.id;
  auto elsewhere = f.server.send("POST", elsewhere_path, initialize,
                                 f.contact.sign_request("POST", elsewhere_path, initialize));
  BOOST_TEST(elsewhere.status != 429, elsewhere.body);
}

BOOST_AUTO_TEST_SUITE_END()
