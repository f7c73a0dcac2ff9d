// Binding agents to users through a real tesserad: the claim flow (a user's
// claim token presented in a request signed by the agent), every way a
// takeover could be tried without the agent's key, the provider console
// (register as owner, get, replace, delete) and who may use the owner routes.
#include <boost/test/unit_test.hpp>

#include <regex>
#include <set>

#include "support.hpp"

using namespace tessera::test;
using nlohmann::json;

namespace {

struct fixture {
  temp_dir dir;
  test_database db{dir};
  server_process server{dir, db, account_settings(dir)};
  fixture() { server.start(); }

  /// A claim token of `user` (201 required).
  std::string claim_token(const account& user) {
    auto res = server.send("POST", "/api/v1/claim-tokens", "{}", user.auth());
    BOOST_REQUIRE_MESSAGE(res.status == 201, res.status << " " << res.body);
    return res.json()["token"];
  }
  /// POST /agents/{id}/claim with `token`, signed by `signer` (none: unsigned).
  http_result claim(const std::string& id, const std::string& token, const agent* signer,
                    httplib::Headers headers = {}) {
    auto target = "/api/v1/agents/" + id + "/claim";
    auto body = json{{"token", token}}.dump();
    if (signer)
      for (auto& h : signer->sign_request("POST", target, body))
        headers.insert(h);
    return server.send("POST", target, body, headers);
  }
  /// The agent's owner as an admin sees it ("" for none).
  std::string owner_of(const account& admin, const std::string& id) {
    auto res = server.get("/api/v1/admin/agents/" + id, admin.auth());
    BOOST_REQUIRE_MESSAGE(res.status == 200, res.status << " " << res.body);
    auto owner = res.json()["owner_id"];
    return owner.is_string() ? owner.get<std::string>() : "";
  }
  std::set<std::string> provider_ids(const account& user) {
    auto res = server.get("/api/v1/provider/agents", user.auth());
    BOOST_REQUIRE_EQUAL(res.status, 200);
    auto page = res.json();
    std::set<std::string> ids;
    for (const auto& a : page["agents"])
      ids.insert(a["id"].get<std::string>());
    return ids;
  }
  /// POST /provider/agents as `user` with `card`, signed by `signer` (none: unsigned).
  /// The agent signs the request naming `owner` (by default the user).
  http_result provider_register(const account& user, const json& card, const agent* signer,
                                const std::string& owner = "") {
    auto body = card.dump();
    auto target = "/api/v1/provider/agents?owner=" + (owner.empty() ? user.id : owner);
    auto headers = user.auth();
    if (signer)
      for (auto& h : signer->sign_request("POST", target, body))
        headers.insert(h);
    return server.send("POST", target, body, headers);
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(claim, fixture)

BOOST_AUTO_TEST_CASE(a_user_claims_an_agent_and_manages_it) {
  auto sam = sign_up(server, "sam@example.com");
  agent a;
  BOOST_REQUIRE_EQUAL(a.register_at(server, a.sign(a.card("Sam's agent"))).status, 201);
  BOOST_TEST(provider_ids(sam).empty());

  auto issued = server.send("POST", "/api/v1/claim-tokens", "{}", sam.auth());
  BOOST_REQUIRE_EQUAL(issued.status, 201);
  std::string token = issued.json()["token"];
  BOOST_TEST(std::regex_match(token, std::regex("tsc_[0-9A-Za-z]{43}")), token);
  BOOST_TEST(issued.json()["expires_at"].is_string());
  BOOST_TEST(server.send("POST", "/api/v1/claim-tokens", "{}", {}).status == 401);

  auto claimed = claim(a.id, token, &a);
  BOOST_REQUIRE_EQUAL(claimed.status, 200);
  BOOST_TEST(claimed.json()["id"] == a.id);
  BOOST_TEST(claimed.json()["owner_id"] == sam.id);
  BOOST_TEST(wait_for_audit(dir, "agent_claimed"));

  BOOST_TEST(provider_ids(sam) == std::set<std::string>{a.id});
  auto target = "/api/v1/provider/agents/" + a.id;
  auto got = server.get(target, sam.auth());
  BOOST_REQUIRE_EQUAL(got.status, 200);
  BOOST_TEST(got.json()["owner_id"] == sam.id);
  auto dashboard = server.get("/api/v1/provider/dashboard", sam.auth());
  BOOST_REQUIRE_EQUAL(dashboard.status, 200);
  BOOST_TEST(dashboard.json()["agents"]["total"] == 1);

  // The owner replaces the card (still signed by the agent's key, as a JWS).
  auto card = a.sign(a.card("Renamed by Sam", {"mcp"})).dump();
  auto put = server.send("PUT", target, card, sam.auth());
  BOOST_REQUIRE_EQUAL(put.status, 200);
  BOOST_TEST(put.json()["name"] == "Renamed by Sam");
  BOOST_TEST(put.json()["owner_id"] == sam.id);
  BOOST_TEST(server.get("/api/v1/agents/" + a.id).json()["name"] == "Renamed by Sam");
  // A card of another key can't be swapped in.
  agent other;
  auto swapped = other.sign(other.card("Swap")).dump();
  BOOST_TEST(server.send("PUT", target, swapped, sam.auth()).status == 400);
  // A card changed after signing is refused.
  auto tampered = a.sign(a.card("Signed name"));
  tampered["name"] = "Unsigned name";
  BOOST_TEST(server.send("PUT", target, tampered.dump(), sam.auth()).status == 400);
  BOOST_TEST(server.get("/api/v1/agents/" + a.id).json()["name"] == "Renamed by Sam");

  BOOST_TEST(server.send("DELETE", target, "", sam.auth()).status == 204);
  BOOST_TEST(server.get("/api/v1/agents/" + a.id).status == 404);
  BOOST_TEST(provider_ids(sam).empty());
  BOOST_TEST(server.get(target, sam.auth()).status == 404);
}

BOOST_AUTO_TEST_CASE(nobody_takes_over_an_agent_without_its_key) {
  auto admin = make_admin(dir, server, "admin@example.com");
  auto tara = sign_up(server, "tara@example.com");
  auto uma = sign_up(server, "uma@example.com");
  agent a, b;
  register_and_claim(server, a, tara);
  BOOST_REQUIRE_EQUAL(b.register_at(server, b.sign(b.card("Uma's"))).status, 201);

  // Uma, with her own token, signs a claim of Tara's agent with her agent's key.
  auto uma_token = claim_token(uma);
  auto forged = claim(a.id, uma_token, &b, uma.auth());
  BOOST_TEST(forged.status == 403);
  BOOST_TEST(forged.error_code() == "forbidden");
  BOOST_TEST(owner_of(admin, a.id) == tara.id);
  BOOST_TEST(server.get("/api/v1/provider/agents/" + a.id, uma.auth()).status == 403);
  BOOST_TEST(provider_ids(uma).empty());

  // Unsigned, with a user's token instead of a signature, with API keys.
  auto unsigned_claim = claim(a.id, uma_token, nullptr);
  BOOST_TEST(unsigned_claim.status == 401);
  BOOST_TEST(unsigned_claim.error_code() == "unauthenticated");
  BOOST_TEST(claim(a.id, uma_token, nullptr, uma.auth()).status == 403);
  auto uma_key = server.send("POST", "/api/v1/auth/api-keys", R"({"name":"k"})", uma.auth());
  BOOST_REQUIRE_EQUAL(uma_key.status, 201);
  auto with_key = claim(a.id, uma_token, nullptr, bearer(uma_key.json()["key"]));
  BOOST_TEST(with_key.status == 403);
  BOOST_TEST(with_key.error_code() == "forbidden");
  // Even a key scoped to the agent itself doesn't prove its key.
  auto scoped = server.send("POST", "/api/v1/auth/api-keys",
                            json{{"name", "scoped"}, {"agent_id", a.id}}.dump(), tara.auth());
  BOOST_REQUIRE_EQUAL(scoped.status, 201);
  auto with_scoped = claim(a.id, claim_token(tara), nullptr, bearer(scoped.json()["key"]));
  BOOST_TEST(with_scoped.status == 403);
  BOOST_TEST(with_scoped.error_code() == "forbidden");
  // A signature that doesn't verify.
  auto body = json{{"token", uma_token}}.dump();
  auto target = "/api/v1/agents/" + a.id + "/claim";
  auto headers = a.sign_request("POST", target, body);
  auto bad = server.send("POST", target, json{{"token", claim_token(uma)}}.dump(), headers);
  BOOST_TEST(bad.status == 401);
  BOOST_TEST(bad.error_code() == "invalid_signature");
  BOOST_TEST(owner_of(admin, a.id) == tara.id);

  // None of that spent Uma's token: it still claims her own agent.
  auto own = claim(b.id, uma_token, &b);
  BOOST_TEST(own.status == 200);
  BOOST_TEST(own.json()["owner_id"] == uma.id);
  BOOST_TEST(owner_of(admin, a.id) == tara.id);
  BOOST_TEST(provider_ids(uma) == std::set<std::string>{b.id});
  BOOST_TEST(provider_ids(tara) == std::set<std::string>{a.id});
}

BOOST_AUTO_TEST_CASE(claim_tokens_work_once_and_only_as_claim_tokens) {
  auto vic = sign_up(server, "vic@example.com");
  agent a, c;
  BOOST_REQUIRE_EQUAL(a.register_at(server, a.sign(a.card())).status, 201);
  BOOST_REQUIRE_EQUAL(c.register_at(server, c.sign(c.card())).status, 201);
  auto token = claim_token(vic);
  BOOST_REQUIRE_EQUAL(claim(a.id, token, &a).status, 200);

  auto reused = claim(c.id, token, &c);
  BOOST_TEST(reused.status == 400);
  BOOST_TEST(reused.error_message().rfind("token", 0) == 0u, reused.error_message());
  BOOST_TEST(server.get("/api/v1/provider/agents/" + c.id, vic.auth()).status == 403);
  BOOST_TEST(claim(a.id, token, &a).status == 400);  // not even for the same agent

  for (std::string bogus : {"tsc_" + std::string(43, 'A'), std::string("hello"),
                            "tsk_" + std::string(43, 'A')}) {
    auto res = claim(c.id, bogus, &c);
    BOOST_TEST(res.status == 400, bogus);
    BOOST_TEST(res.error_message().rfind("token", 0) == 0u, res.error_message());
  }
  // A refresh token isn't a claim token either.
  auto refresh_as_claim = claim(c.id, vic.refresh_token, &c);
  BOOST_TEST(refresh_as_claim.status == 400);
  BOOST_TEST(server.get("/api/v1/provider/agents/" + c.id, vic.auth()).status == 403);

  // A claim token is not a refresh token, an access token or an API key.
  auto fresh = claim_token(vic);
  auto as_refresh = server.send("POST", "/api/v1/auth/refresh",
                                json{{"refresh_token", fresh}}.dump(), {});
  BOOST_TEST(as_refresh.status == 401);
  BOOST_TEST(as_refresh.error_code() == "invalid_credentials");
  auto as_bearer = server.get("/api/v1/auth/me", bearer(fresh));
  BOOST_TEST(as_bearer.status == 401);
  BOOST_TEST(as_bearer.error_code() == "invalid_credentials");
  auto as_key = server.get("/api/v1/auth/me", bearer("tsk_" + fresh.substr(4)));
  BOOST_TEST(as_key.status == 401);
  // ...and it still works afterwards for what it is.
  BOOST_TEST(claim(c.id, fresh, &c).status == 200);

  // An agent that isn't registered can't be claimed.
  agent ghost;
  auto missing = claim(ghost.id, claim_token(vic), &ghost);
  BOOST_TEST(missing.status == 404);
}

BOOST_AUTO_TEST_CASE(a_user_holds_at_most_twenty_unused_claim_tokens) {
  auto uma = sign_up(server, "uma@example.com");
  std::vector<std::string> tokens;
  for (int i = 0; i < 20; ++i)
    tokens.push_back(claim_token(uma));
  auto over = server.send("POST", "/api/v1/claim-tokens", "{}", uma.auth());
  BOOST_TEST(over.status == 409);
  BOOST_TEST(over.error_code() == "conflict");
  // Using one makes room for another.
  agent a;
  BOOST_REQUIRE_EQUAL(a.register_at(server, a.sign(a.card())).status, 201);
  auto target = "/api/v1/agents/" + a.id + "/claim";
  auto body = json{{"token", tokens.front()}}.dump();
  BOOST_REQUIRE_EQUAL(server.send("POST", target, body, a.sign_request("POST", target, body)).status,
                      200);
  BOOST_TEST(server.send("POST", "/api/v1/claim-tokens", "{}", uma.auth()).status == 201);
}

BOOST_AUTO_TEST_CASE(providers_register_agents_with_the_agents_signature) {
  auto admin = make_admin(dir, server, "admin@example.com");
  auto wes = sign_up(server, "wes@example.com");
  agent existing, fresh, other;
  BOOST_REQUIRE_EQUAL(existing.register_at(server, existing.sign(existing.card())).status, 201);

  // A card of an agent that is registered already: 409, and it stays unowned.
  auto taken = provider_register(wes, existing.sign(existing.card()), &existing);
  BOOST_TEST(taken.status == 409);
  BOOST_TEST(taken.error_code() == "agent_exists");
  BOOST_TEST(owner_of(admin, existing.id) == "");

  // Without the agent's signature, or signed by another agent.
  auto card = fresh.sign(fresh.card("Fresh"));
  auto unsigned_res = provider_register(wes, card, nullptr);
  BOOST_TEST(unsigned_res.status == 401);
  auto wrong_signer = provider_register(wes, card, &other);
  BOOST_TEST(wrong_signer.status == 403);
  BOOST_TEST(wrong_signer.error_code() == "forbidden");
  // The agent's signature alone, without the user's credentials.
  auto body = card.dump();
  BOOST_TEST(server.send("POST", "/api/v1/provider/agents", body,
                         fresh.sign_request("POST", "/api/v1/provider/agents", body))
                 .status == 401);
  BOOST_TEST(server.get("/api/v1/agents/" + fresh.id).status == 404);

  // A request the agent signed for wes is no use to anyone else: replayed
  // by zoe with her own token, it names the wrong owner.
  auto zoe = sign_up(server, "zoe@example.com");
  auto for_wes = "/api/v1/provider/agents?owner=" + wes.id;
  auto signed_for_wes = fresh.sign_request("POST", for_wes, body);
  auto replayed = signed_for_wes;
  auto zoe_auth = zoe.auth();
  replayed.insert(zoe_auth.begin(), zoe_auth.end());
  auto stolen = server.send("POST", for_wes, body, replayed);
  BOOST_TEST(stolen.status == 403);
  BOOST_TEST(stolen.error_message().find("owner") == 0, stolen.error_message());
  // Nor can she name herself: the signature covers the query.
  auto renamed = fresh.sign_request("POST", for_wes, body);
  renamed.insert(zoe_auth.begin(), zoe_auth.end());
  BOOST_TEST(server.send("POST", "/api/v1/provider/agents?owner=" + zoe.id, body, renamed).status ==
             401);
  BOOST_TEST(server.get("/api/v1/agents/" + fresh.id).status == 404);

  auto created = provider_register(wes, card, &fresh);
  BOOST_REQUIRE_EQUAL(created.status, 201);
  BOOST_TEST(created.json()["owner_id"] == wes.id);
  BOOST_TEST(created.headers.find("Location")->second == "/api/v1/provider/agents/" + fresh.id);
  BOOST_TEST(server.get("/api/v1/agents/" + fresh.id).status == 200);
  BOOST_TEST(provider_ids(wes) == std::set<std::string>{fresh.id});
  BOOST_TEST(owner_of(admin, fresh.id) == wes.id);
  BOOST_TEST(wait_for_audit(dir, "agent_registered"));
}

BOOST_AUTO_TEST_CASE(owner_routes_are_for_the_owner_and_admins) {
  auto admin = make_admin(dir, server, "admin@example.com");
  auto xena = sign_up(server, "xena@example.com");
  auto yuri = sign_up(server, "yuri@example.com");
  agent a;
  register_and_claim(server, a, xena);
  auto target = "/api/v1/provider/agents/" + a.id;
  auto card = a.sign(a.card("Changed by someone")).dump();

  auto get = server.get(target, yuri.auth());
  BOOST_TEST(get.status == 403);
  BOOST_TEST(get.error_code() == "forbidden");
  BOOST_TEST(server.send("PUT", target, card, yuri.auth()).status == 403);
  BOOST_TEST(server.send("DELETE", target, "", yuri.auth()).status == 403);
  BOOST_TEST(server.get(target).status == 401);
  BOOST_TEST(server.get("/api/v1/agents/" + a.id).json()["name"] == "Test agent");

  auto by_admin = server.get(target, admin.auth());
  BOOST_TEST(by_admin.status == 200);
  BOOST_TEST(by_admin.json()["owner_id"] == xena.id);
  BOOST_TEST(server.send("PUT", target, card, admin.auth()).status == 200);
  BOOST_TEST(server.get("/api/v1/agents/" + a.id).json()["name"] == "Changed by someone");
  BOOST_TEST(owner_of(admin, a.id) == xena.id);
  agent missing;
  BOOST_TEST(server.get("/api/v1/provider/agents/" + missing.id, xena.auth()).status == 404);
  BOOST_TEST(server.send("DELETE", target, "", admin.auth()).status == 204);
  BOOST_TEST(server.get("/api/v1/agents/" + a.id).status == 404);
}

BOOST_AUTO_TEST_SUITE_END()
