// API keys through a real tesserad: shown once, listed without the secret,
// acting as their user, revoked and expired keys refused, keys that can't
// mint keys, and keys scoped to one agent that act only as that agent.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <ctime>
#include <regex>
#include <thread>

#include "support.hpp"

using namespace tessera::test;
using nlohmann::json;

namespace {

struct fixture {
  temp_dir dir;
  test_database db{dir};
  server_process server{dir, db, account_settings(dir)};
  fixture() { server.start(); }

  http_result create_key(const httplib::Headers& auth, const json& body) {
    return server.send("POST", "/api/v1/auth/api-keys", body.dump(), auth);
  }
  /// A key of `owner` (201 required); the whole answer.
  json new_key(const account& owner, json body) {
    auto res = create_key(owner.auth(), body);
    BOOST_REQUIRE_MESSAGE(res.status == 201, res.status << " " << res.body);
    return res.json();
  }
  json list(const account& owner) {
    auto res = server.get("/api/v1/auth/api-keys", owner.auth());
    BOOST_REQUIRE_EQUAL(res.status, 200);
    return res.json()["api_keys"];
  }
  http_result revoke(const httplib::Headers& auth, const std::string& key_id) {
    return server.send("DELETE", "/api/v1/auth/api-keys/" + key_id, "", auth);
  }
  http_result me(const std::string& key) { return server.get("/api/v1/auth/me", bearer(key)); }
};

/// RFC 3339 UTC, whole seconds, `from_now` away.
std::string rfc3339_from_now(std::chrono::seconds from_now) {
  auto t = std::time(nullptr) + from_now.count();
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(api_keys, fixture)

BOOST_AUTO_TEST_CASE(the_key_is_shown_once_and_acts_as_its_user) {
  auto lena = sign_up(server, "lena@example.com");
  auto created = create_key(lena.auth(), {{"name", "ci"}});
  BOOST_REQUIRE_EQUAL(created.status, 201);
  auto k = created.json();
  std::string key = k["key"];
  BOOST_TEST(std::regex_match(key, std::regex("tsk_[0-9A-Za-z]{43}")), key);
  BOOST_TEST(k["prefix"] == key.substr(0, 10));
  BOOST_TEST(k["id"].get<std::string>().rfind("key_", 0) == 0u);
  BOOST_TEST(k["name"] == "ci");
  BOOST_TEST(k["agent_id"].is_null());
  BOOST_TEST(k["expires_at"].is_null());
  BOOST_TEST(k["last_used_at"].is_null());
  BOOST_TEST(k["created_at"].is_string());

  auto other = new_key(lena, {{"name", "laptop"}});
  BOOST_TEST(other["key"] != k["key"]);
  auto listed = server.get("/api/v1/auth/api-keys", lena.auth());
  BOOST_REQUIRE_EQUAL(listed.status, 200);
  BOOST_TEST(listed.body.find(key) == std::string::npos);
  BOOST_TEST(listed.body.find(other["key"].get<std::string>()) == std::string::npos);
  auto keys = listed.json()["api_keys"];
  BOOST_REQUIRE_EQUAL(keys.size(), 2u);
  for (const auto& entry : keys) {
    BOOST_TEST(!entry.contains("key"));
    BOOST_TEST(!entry.contains("hash"));
    if (entry["id"] == k["id"]) {
      BOOST_TEST(entry["prefix"] == k["prefix"]);
      BOOST_TEST(entry["name"] == "ci");
    }
  }
  BOOST_TEST((keys[0]["id"] == k["id"] || keys[1]["id"] == k["id"]));

  // The key authenticates as Lena, on the user routes.
  auto me = this->me(key);
  BOOST_REQUIRE_EQUAL(me.status, 200);
  BOOST_TEST(me.json()["id"] == lena.id);
  BOOST_TEST(server.get("/api/v1/auth/api-keys", bearer(key)).status == 200);
  // Another user's list doesn't show Lena's keys.
  auto mia = sign_up(server, "mia@example.com");
  BOOST_TEST(list(mia).size() == 0u);

  // A key can't make a key (a stolen key must not mint more).
  auto minted = create_key(bearer(key), {{"name", "more"}});
  BOOST_TEST(minted.status == 403);
  BOOST_TEST(minted.error_code() == "forbidden");
  BOOST_TEST(list(lena).size() == 2u);

  // last_used_at is set once the key has been used (the write is asynchronous).
  bool used = false;
  for (int i = 0; i < 100 && !used; ++i) {
    for (const auto& entry : list(lena))
      used |= entry["id"] == k["id"] && entry["last_used_at"].is_string();
    if (!used)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  BOOST_TEST(used);
  for (const auto& entry : list(lena))
    if (entry["id"] == other["id"])
      BOOST_TEST(entry["last_used_at"].is_null());  // never used

  // Bad requests name the field.
  for (auto [body, field] : std::vector<std::pair<json, std::string>>{
           {json::object(), "name"},
           {{{"name", std::string(65, 'n')}}, "name"},
           {{{"name", "x"}, {"scope", "all"}}, "scope"},
           {{{"name", "x"}, {"agent_id", "not-an-agent"}}, "agent_id"},
           {{{"name", "x"}, {"expires_at", "tomorrow"}}, "expires_at"}}) {
    auto res = create_key(lena.auth(), body);
    BOOST_TEST(res.status == 400, body.dump());
    BOOST_TEST(res.error_message().rfind(field + ":", 0) == 0u,
               body.dump() << ": " << res.error_message());
  }
  BOOST_TEST(list(lena).size() == 2u);
  BOOST_TEST(wait_for_audit(dir, "key_created", 2));
}

BOOST_AUTO_TEST_CASE(revoked_keys_stop_working_and_only_their_owner_can_revoke) {
  auto nina = sign_up(server, "nina@example.com");
  auto omar = sign_up(server, "omar@example.com");
  auto doomed = new_key(nina, {{"name", "doomed"}});
  auto kept = new_key(nina, {{"name", "kept"}});
  std::string doomed_key = doomed["key"], kept_key = kept["key"];
  BOOST_REQUIRE_EQUAL(me(doomed_key).status, 200);

  // Omar can't revoke Nina's key: it answers as if there were no such key.
  auto foreign = revoke(omar.auth(), kept["id"]);
  BOOST_TEST(foreign.status == 404);
  BOOST_TEST(foreign.error_code() == "not_found");
  BOOST_TEST(me(kept_key).status == 200);
  BOOST_TEST(revoke(omar.auth(), "key_doesnotexist0000").status == 404);

  BOOST_TEST(revoke(nina.auth(), doomed["id"]).status == 204);
  auto refused = me(doomed_key);
  BOOST_TEST(refused.status == 401);
  BOOST_TEST(refused.error_code() == "invalid_credentials");
  BOOST_TEST(refused.body.find(doomed_key) == std::string::npos);
  auto keys = list(nina);
  BOOST_REQUIRE_EQUAL(keys.size(), 1u);
  BOOST_TEST(keys[0]["id"] == kept["id"]);
  BOOST_TEST(revoke(nina.auth(), doomed["id"]).status == 404);  // once
  BOOST_TEST(me(kept_key).status == 200);
  // A key can revoke another of its user's keys (it acts as the user)...
  BOOST_TEST(revoke(bearer(kept_key), kept["id"]).status == 204);
  BOOST_TEST(me(kept_key).status == 401);

  // Malformed and unknown keys are refused alike.
  BOOST_TEST(me("tsk_tooshort").status == 401);
  BOOST_TEST(me("tsk_" + std::string(43, 'Z')).status == 401);
  BOOST_TEST(wait_for_audit(dir, "key_revoked", 2));
}

BOOST_AUTO_TEST_CASE(expired_keys_are_refused) {
  auto pat = sign_up(server, "pat@example.com");
  auto past = create_key(pat.auth(), {{"name", "late"},
                                      {"expires_at", rfc3339_from_now(-std::chrono::seconds(60))}});
  BOOST_TEST(past.status == 400);
  BOOST_TEST(past.error_message().rfind("expires_at", 0) == 0u, past.error_message());
  BOOST_TEST(list(pat).size() == 0u);

  // Two whole seconds ahead at least (the time is in whole seconds).
  auto until = rfc3339_from_now(std::chrono::seconds(3));
  auto brief = new_key(pat, {{"name", "brief"}, {"expires_at", until}});
  BOOST_TEST(brief["expires_at"].get<std::string>().rfind(until.substr(0, 19), 0) == 0u,
             brief["expires_at"] << " vs " << until);
  std::string key = brief["key"];
  BOOST_TEST(me(key).status == 200);
  BOOST_TEST(list(pat).size() == 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  auto refused = me(key);
  BOOST_TEST(refused.status == 401);
  BOOST_TEST(refused.error_code() == "invalid_credentials");
  BOOST_TEST(list(pat).size() == 0u);  // only live keys are listed
}

BOOST_AUTO_TEST_CASE(a_scoped_key_acts_only_as_its_agent) {
  auto quinn = sign_up(server, "quinn@example.com");
  agent mine, foreign;
  BOOST_REQUIRE_EQUAL(foreign.register_at(server, foreign.sign(foreign.card("Foreign"))).status,
                      201);

  // Scoping to an agent that isn't yours: refused, however it is registered.
  auto not_mine = create_key(quinn.auth(), {{"name", "x"}, {"agent_id", foreign.id}});
  BOOST_TEST(not_mine.status == 403);
  BOOST_TEST(not_mine.error_message().rfind("agent_id", 0) == 0u, not_mine.error_message());
  agent unregistered;
  BOOST_TEST(create_key(quinn.auth(), {{"name", "x"}, {"agent_id", unregistered.id}}).status ==
             403);
  BOOST_TEST(list(quinn).size() == 0u);

  register_and_claim(server, mine, quinn);
  auto scoped = new_key(quinn, {{"name", "agent"}, {"agent_id", mine.id}});
  BOOST_TEST(scoped["agent_id"] == mine.id);
  std::string key = scoped["key"];

  // Its own agent's routes.
  auto beat = server.send("POST", "/api/v1/agents/" + mine.id + "/heartbeat", "", bearer(key));
  BOOST_TEST(beat.status == 200, beat.body);
  BOOST_TEST(beat.json()["status"] == "online");
  auto body = mine.sign(mine.card("Renamed by key")).dump();
  auto put = server.send("PUT", "/api/v1/agents/" + mine.id, body, bearer(key));
  BOOST_TEST(put.status == 200, put.body);
  BOOST_TEST(server.get("/api/v1/agents/" + mine.id).json()["name"] == "Renamed by key");
  // Replacing the card keeps the owner.
  auto owned = server.get("/api/v1/provider/agents/" + mine.id, quinn.auth());
  BOOST_TEST(owned.status == 200);
  BOOST_TEST(owned.json()["owner_id"] == quinn.id, owned.body);

  // Not another agent, and not the user's routes.
  auto other_beat =
      server.send("POST", "/api/v1/agents/" + foreign.id + "/heartbeat", "", bearer(key));
  BOOST_TEST(other_beat.status == 403);
  BOOST_TEST(other_beat.error_code() == "forbidden");
  auto other_body = foreign.sign(foreign.card("Hijacked")).dump();
  BOOST_TEST(server.send("PUT", "/api/v1/agents/" + foreign.id, other_body, bearer(key)).status ==
             403);
  BOOST_TEST(server.get("/api/v1/agents/" + foreign.id).json()["name"] == "Foreign");
  auto as_user = me(key);
  BOOST_TEST(as_user.status == 403);
  BOOST_TEST(as_user.error_code() == "forbidden");
  BOOST_TEST(server.get("/api/v1/auth/api-keys", bearer(key)).status == 403);
  BOOST_TEST(server.get("/api/v1/provider/agents", bearer(key)).status == 403);
  BOOST_TEST(server.send("POST", "/api/v1/claim-tokens", "{}", bearer(key)).status == 403);

  // last_used_at is recorded for the scoped key too.
  bool used = false;
  for (int i = 0; i < 100 && !used; ++i) {
    for (const auto& entry : list(quinn))
      used |= entry["id"] == scoped["id"] && entry["last_used_at"].is_string();
    if (!used)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  BOOST_TEST(used);

  // When the agent changes hands (its key claims it for someone else), the
  // key stops speaking for it.
  auto rita = sign_up(server, "rita@example.com");
  auto token = server.send("POST", "/api/v1/claim-tokens", "{}", rita.auth());
  BOOST_REQUIRE_EQUAL(token.status, 201);
  auto claim_target = "/api/v1/agents/" + mine.id + "/claim";
  auto claim_body = json{{"token", token.json()["token"]}}.dump();
  auto claimed = server.send("POST", claim_target, claim_body,
                             mine.sign_request("POST", claim_target, claim_body));
  BOOST_REQUIRE_EQUAL(claimed.status, 200);
  auto orphaned =
      server.send("POST", "/api/v1/agents/" + mine.id + "/heartbeat", "", bearer(key));
  BOOST_TEST(orphaned.status == 401);
  BOOST_TEST(orphaned.error_code() == "invalid_credentials");
}

BOOST_AUTO_TEST_SUITE_END()
