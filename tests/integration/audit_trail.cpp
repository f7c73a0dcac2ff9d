// The audit trail through a real tesserad: after a scripted run of security
// events, audit_log.output holds one hash-chained JSON object per line, the
// admin API serves the same entries newest first, only admins may read it, and
// no password, token or key appears in the audit log or the server's log.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <set>
#include <thread>

#include "protocol/crypto.hpp"
#include "protocol/encoding.hpp"
#include "protocol/jcs.hpp"
#include "support.hpp"

using namespace tessera::test;
using nlohmann::json;

namespace {

struct fixture {
  temp_dir dir;
  test_database db{dir};
  server_process server{dir, db, account_settings(dir)};
  fixture() { server.start(); }

  http_result send(const std::string& method, const std::string& target, const json& body,
                   const httplib::Headers& headers) {
    return server.send(method, target, body.is_null() ? "" : body.dump(), headers);
  }

  /// The audit file once it has stopped growing (the actor writes asynchronously).
  std::vector<json> settled_audit() {
    auto entries = audit_entries(dir);
    for (int quiet = 0, i = 0; quiet < 5 && i < 200; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      auto now = audit_entries(dir);
      quiet = now.size() == entries.size() ? quiet + 1 : 0;
      entries = std::move(now);
    }
    return entries;
  }
};

/// Hex SHA-256 of the line's JCS form without "hash": what the chain covers.
std::string recomputed_hash(json line) {
  line.erase("hash");
  return tessera::encoding::hex_encode(tessera::crypto::sha256(tessera::jcs::canonicalize(line)));
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(audit_trail, fixture)

BOOST_AUTO_TEST_CASE(security_events_are_chained_served_to_admins_and_free_of_secrets) {
  std::vector<std::string> secrets = {test_jwt_secret};
  auto keep = [&](const account& a) {
    for (const auto& s : {a.password, a.access_token, a.refresh_token})
      secrets.push_back(s);
  };

  // --- The script -----------------------------------------------------------
  auto admin = make_admin(dir, server, "auditor@example.com");  // + login_succeeded
  keep(admin);
  auto zoe = sign_up(server, "zoe@example.com", "Zoe");  // user_registered, login_succeeded
  keep(zoe);
  auto ann = sign_up(server, "ann@example.com", "Ann");
  keep(ann);

  const std::string wrong = "definitely-not-zoes-password";
  secrets.push_back(wrong);
  BOOST_REQUIRE_EQUAL(login(server, zoe.email, wrong).status, 401);  // login_failed

  auto rotated = send("POST", "/api/v1/auth/refresh", {{"refresh_token", zoe.refresh_token}}, {});
  BOOST_REQUIRE_EQUAL(rotated.status, 200);
  secrets.push_back(rotated.json()["access_token"]);
  secrets.push_back(rotated.json()["refresh_token"]);
  auto reused = send("POST", "/api/v1/auth/refresh", {{"refresh_token", zoe.refresh_token}}, {});
  BOOST_REQUIRE_EQUAL(reused.status, 401);  // refresh_reuse
  // The reuse ended that sign-in, its access token too: zoe signs in again.
  BOOST_TEST(server.get("/api/v1/auth/me", zoe.auth()).status == 401);
  auto again = login(server, zoe.email, zoe.password);  // login_succeeded
  BOOST_REQUIRE_EQUAL(again.status, 200);
  zoe.access_token = again.json()["access_token"];
  zoe.refresh_token = again.json()["refresh_token"];
  keep(zoe);

  auto key = send("POST", "/api/v1/auth/api-keys", {{"name", "audit me"}}, zoe.auth());
  BOOST_REQUIRE_EQUAL(key.status, 201);  // key_created
  std::string key_id = key.json()["id"], key_secret = key.json()["key"];
  secrets.push_back(key_secret);
  BOOST_REQUIRE_EQUAL(server.get("/api/v1/auth/me", bearer(key_secret)).status, 200);
  BOOST_REQUIRE_EQUAL(send("DELETE", "/api/v1/auth/api-keys/" + key_id, nullptr, zoe.auth()).status,
                      204);  // key_revoked

  agent a;
  BOOST_REQUIRE_EQUAL(a.register_at(server, a.sign(a.card())).status, 201);
  auto claim_token = send("POST", "/api/v1/claim-tokens", json::object(), zoe.auth());
  BOOST_REQUIRE_EQUAL(claim_token.status, 201);  // claim_token_created
  std::string token = claim_token.json()["token"];
  secrets.push_back(token);
  auto claim_target = "/api/v1/agents/" + a.id + "/claim";
  auto claim_body = json{{"token", token}}.dump();
  BOOST_REQUIRE_EQUAL(server.send("POST", claim_target, claim_body,
                                  a.sign_request("POST", claim_target, claim_body))
                          .status,
                      200);  // agent_claimed

  const std::string next_password = "zoe has a new passphrase";
  secrets.push_back(next_password);
  BOOST_REQUIRE_EQUAL(send("PUT", "/api/v1/auth/me",
                           {{"password", next_password}, {"current_password", zoe.password}},
                           zoe.auth())
                          .status,
                      200);  // password_changed

  auto promote = send("PUT", "/api/v1/admin/users/" + ann.id + "/role", {{"role", "admin"}},
                      admin.auth());  // role_changed, admin_request
  BOOST_REQUIRE_EQUAL(promote.status, 200);
  BOOST_TEST(server.get("/api/v1/admin/users", ann.auth()).status == 200);  // at once
  auto demote = send("PUT", "/api/v1/admin/users/" + ann.id + "/role", {{"role", "user"}},
                     admin.auth());
  BOOST_REQUIRE_EQUAL(demote.status, 200);
  BOOST_TEST(server.get("/api/v1/admin/users", ann.auth()).status == 403);  // at once, too
  // Ann has a key and an agent when she is deleted: the key goes, the agent stays, unowned.
  auto ann_key = send("POST", "/api/v1/auth/api-keys", {{"name", "ann's"}}, ann.auth());
  BOOST_REQUIRE_EQUAL(ann_key.status, 201);
  secrets.push_back(ann_key.json()["key"]);
  agent anns;
  register_and_claim(server, anns, ann);
  BOOST_REQUIRE_EQUAL(send("DELETE", "/api/v1/admin/users/" + ann.id, nullptr, admin.auth()).status,
                      204);  // user_deleted
  BOOST_TEST(server.get("/api/v1/auth/me", ann.auth()).status == 401);
  BOOST_TEST(server.get("/api/v1/auth/me", bearer(ann_key.json()["key"])).status == 401);
  BOOST_TEST(send("POST", "/api/v1/auth/refresh", {{"refresh_token", ann.refresh_token}}, {})
                 .status == 401);
  BOOST_TEST(login(server, ann.email, ann.password).status == 401);
  auto orphan = server.get("/api/v1/admin/agents/" + anns.id, admin.auth());
  BOOST_TEST(orphan.status == 200);
  BOOST_TEST((orphan.json()["owner_id"].is_null() || orphan.json()["owner_id"] == ""),
             orphan.body);
  BOOST_TEST(server.get("/api/v1/admin/users/" + ann.id, admin.auth()).status == 404);
  // An admin can't demote or delete themselves.
  BOOST_TEST(send("PUT", "/api/v1/admin/users/" + admin.id + "/role", {{"role", "user"}},
                  admin.auth())
                 .status == 409);
  BOOST_TEST(send("DELETE", "/api/v1/admin/users/" + admin.id, nullptr, admin.auth()).status ==
             409);

  // A heartbeat signed for another path: signature_rejected.
  auto beat_target = "/api/v1/agents/" + a.id + "/heartbeat";
  auto forged = server.send("POST", beat_target, "",
                            a.sign_request("POST", "/api/v1/agents/" + a.id, ""));
  BOOST_REQUIRE_EQUAL(forged.status, 401);
  BOOST_TEST(forged.error_code() == "invalid_signature");

  // --- The file ---------------------------------------------------------------
  BOOST_REQUIRE(wait_for_audit(dir, "signature_rejected"));
  auto lines = settled_audit();
  auto raw_lines = read_lines(audit_log_path(dir));
  BOOST_REQUIRE_EQUAL(lines.size(), raw_lines.size());
  BOOST_REQUIRE(lines.size() >= 15u);
  std::multiset<std::string> actions;
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto& e = lines[i];
    BOOST_REQUIRE_MESSAGE(e.is_object(), "line " << i << " is not a JSON object: " << raw_lines[i]);
    for (auto field : {"prev_hash", "at", "action", "actor", "target", "remote", "detail", "hash"})
      BOOST_TEST(e.contains(field), "line " << i << " lacks " << field);
    BOOST_TEST(e["hash"].get<std::string>().size() == 64u);
    BOOST_TEST(e["hash"] == recomputed_hash(e), "line " << i << ": the hash doesn't cover it");
    if (i > 0)
      BOOST_TEST(e["prev_hash"] == lines[i - 1]["hash"], "line " << i << " breaks the chain");
    actions.insert(e["action"].get<std::string>());
  }
  for (auto action : {"user_registered", "login_succeeded", "login_failed", "refresh_reuse",
                      "key_created", "key_revoked", "claim_token_created", "agent_claimed",
                      "password_changed", "role_changed", "user_deleted", "signature_rejected",
                      "admin_request"})
    BOOST_TEST(actions.count(action) >= 1u, action);
  BOOST_TEST(actions.count("role_changed") == 2u);
  BOOST_TEST(actions.count("user_registered") == 2u);  // the admin was made by the CLI

  // Who did what to whom.
  auto find = [&](const std::string& action) {
    for (const auto& e : lines)
      if (e["action"] == action)
        return e;
    return json();
  };
  BOOST_TEST(find("login_failed")["actor"] == zoe.id);
  BOOST_TEST(find("refresh_reuse")["actor"] == zoe.id);
  BOOST_TEST(find("key_created")["actor"] == zoe.id);
  BOOST_TEST(find("key_created")["target"] == key_id);
  BOOST_TEST(find("key_revoked")["target"] == key_id);
  auto role = find("role_changed");
  BOOST_TEST(role["actor"] == admin.id);
  BOOST_TEST(role["target"] == ann.id);
  BOOST_TEST(role["detail"]["from"] == "user");
  BOOST_TEST(role["detail"]["to"] == "admin");
  BOOST_TEST(find("user_deleted")["actor"] == admin.id);
  BOOST_TEST(find("user_deleted")["target"] == ann.id);
  BOOST_TEST(find("signature_rejected")["target"] == beat_target);
  BOOST_TEST(find("signature_rejected")["remote"] == "127.0.0.1");

  // --- The admin API ------------------------------------------------------------
  // The database copy may trail the file by a moment.
  json entries;
  for (int i = 0; i < 100; ++i) {
    auto res = server.get("/api/v1/admin/audit?limit=200", admin.auth());
    BOOST_REQUIRE_EQUAL(res.status, 200);
    entries = res.json()["entries"];
    if (entries.size() >= lines.size())
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  BOOST_REQUIRE_GE(entries.size(), lines.size());
  // Newest first; oldest of them is the file's first line.
  for (size_t i = 1; i < entries.size(); ++i)
    BOOST_TEST(entries[i - 1]["seq"].get<int64_t>() > entries[i]["seq"].get<int64_t>());
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto& served = entries[entries.size() - 1 - i];
    BOOST_TEST(served["hash"] == lines[i]["hash"], "entry " << i);
    BOOST_TEST(served["action"] == lines[i]["action"], "entry " << i);
    BOOST_TEST(served["actor"] == lines[i]["actor"], "entry " << i);
    BOOST_TEST(served["target"] == lines[i]["target"], "entry " << i);
  }
  auto roles = server.get("/api/v1/admin/audit?action=role_changed", admin.auth());
  BOOST_REQUIRE_EQUAL(roles.status, 200);
  auto role_entries = roles.json()["entries"];
  BOOST_REQUIRE_EQUAL(role_entries.size(), 2u);
  BOOST_TEST(role_entries[0]["detail"]["to"] == "user");  // the demotion is newer
  BOOST_TEST(role_entries[1]["detail"]["to"] == "admin");
  // Pages: limit and before.
  auto first_page = server.get("/api/v1/admin/audit?limit=3", admin.auth()).json();
  BOOST_REQUIRE_EQUAL(first_page["entries"].size(), 3u);
  BOOST_REQUIRE(first_page["next_before"].is_number());
  auto before = std::to_string(first_page["next_before"].get<int64_t>());
  auto second_page = server.get("/api/v1/admin/audit?limit=3&before=" + before, admin.auth());
  BOOST_REQUIRE_EQUAL(second_page.status, 200);
  BOOST_TEST(second_page.json()["entries"][0]["seq"].get<int64_t>() <
             first_page["entries"][2]["seq"].get<int64_t>());

  // Only admins read it.
  auto zoe_now = login(server, zoe.email, next_password);
  BOOST_REQUIRE_EQUAL(zoe_now.status, 200);
  std::string zoe_access = zoe_now.json()["access_token"];
  secrets.push_back(zoe_access);
  secrets.push_back(zoe_now.json()["refresh_token"]);
  auto as_user = server.get("/api/v1/admin/audit", bearer(zoe_access));
  BOOST_TEST(as_user.status == 403);
  BOOST_TEST(as_user.error_code() == "forbidden");
  BOOST_TEST(server.get("/api/v1/admin/audit").status == 401);
  BOOST_TEST(server.get("/api/v1/admin/audit?before=0", admin.auth()).status == 400);

  // --- No secret anywhere ---------------------------------------------------------
  auto served = server.get("/api/v1/admin/audit?limit=200", admin.auth()).body;
  BOOST_TEST(server.stop() == 0);  // everything flushed
  std::string audit_text;
  for (const auto& line : read_lines(audit_log_path(dir)))
    audit_text += line + "\n";
  auto log = server.log();
  BOOST_REQUIRE(log.find("/api/v1/auth/login") != std::string::npos);  // requests are logged
  for (const auto& s : secrets) {
    BOOST_REQUIRE(s.size() >= 10u);
    BOOST_TEST(audit_text.find(s) == std::string::npos, "the audit log holds " << s);
    BOOST_TEST(log.find(s) == std::string::npos, "the server log holds " << s);
    BOOST_TEST(served.find(s) == std::string::npos, "GET /admin/audit shows " << s);
  }
  // Nor a password hash.
  BOOST_TEST(audit_text.find("$argon2") == std::string::npos);
  BOOST_TEST(log.find("$argon2") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
