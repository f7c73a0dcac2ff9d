// User accounts through a real tesserad: the whole lifecycle (register, login,
// me, password change), refusals that name the field and write nothing,
// refresh rotation with reuse detection, tampered access tokens, logout,
// login throttling, and the account routes switched off.
#include <boost/test/unit_test.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <atomic>
#include <ctime>
#include <set>
#include <thread>

#include "protocol/encoding.hpp"
#include "support.hpp"

using namespace tessera::test;
using nlohmann::json;
namespace encoding = tessera::encoding;

namespace {

struct fixture {
  explicit fixture(std::map<std::string, std::string> extra = {})
      : server(dir, db, account_settings(dir, std::move(extra))) {
    server.start();
  }
  temp_dir dir;
  test_database db{dir};
  server_process server;

  http_result post(const std::string& target, const json& body,
                   const httplib::Headers& headers = {}) {
    return server.send("POST", target, body.dump(), headers);
  }
  http_result refresh(const std::string& token) {
    return post("/api/v1/auth/refresh", {{"refresh_token", token}});
  }
  http_result me(const std::string& access_token) {
    return server.get("/api/v1/auth/me", bearer(access_token));
  }
};

/// Login throttled after 3 failures per account (12 per address).
struct throttled_fixture : fixture {
  throttled_fixture()
      : fixture(std::map<std::string, std::string>{{"user_auth.login_max_failures", "3"}}) {}
};

/// The same throttle behind a trusted proxy, so a test can speak from several
/// client addresses.
struct throttled_proxy_fixture : fixture {
  throttled_proxy_fixture()
      : fixture(std::map<std::string, std::string>{{"user_auth.login_max_failures", "3"},
                                                   {"server.trusted_proxies", "[\"127.0.0.1\"]"}}) {}
  http_result login_from(const std::string& address, const std::string& email,
                         const std::string& password) {
    return server.send("POST", "/api/v1/auth/login",
                       json{{"email", email}, {"password", password}}.dump(),
                       {{"X-Forwarded-For", address}});
  }
};

/// Accounts switched off (the default).
struct disabled_fixture {
  temp_dir dir;
  test_database db{dir};
  server_process server{dir, db};
  disabled_fixture() { server.start(); }
};

std::string hmac(const EVP_MD* md, const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

/// A compact JWT built here, independently of the server's JWT code.
std::string make_jwt(const json& header, const json& payload, const std::string& key,
                     const EVP_MD* md = EVP_sha256()) {
  auto input = encoding::base64url_encode(header.dump()) + "." +
               encoding::base64url_encode(payload.dump());
  return input + "." + encoding::base64url_encode(hmac(md, key, input));
}

/// The payload of a JWT (no checks: the test reads its own tokens).
json payload_of(const std::string& token) {
  auto dot1 = token.find('.'), dot2 = token.rfind('.');
  return json::parse(*encoding::base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1)));
}

/// Claims like the server's for `a`, in `a`'s sign-in.
json claims_for(const account& a, const std::string& role = "user") {
  auto now = static_cast<int64_t>(std::time(nullptr));
  return {{"iss", "tessera"}, {"sub", a.id},        {"role", role},
          {"iat", now},       {"exp", now + 600},   {"jti", "jti_integrationtest1"},
          {"sid", payload_of(a.access_token)["sid"]}};
}

/// 401 invalid_credentials; a refused Authorization header also gets WWW-Authenticate.
void expect_invalid_credentials(const http_result& res, const std::string& what,
                                bool bearer_refused = false) {
  BOOST_TEST(res.status == 401, what << ": " << res.status << " " << res.body);
  BOOST_TEST(res.error_code() == "invalid_credentials", what << ": " << res.body);
  if (bearer_refused)
    BOOST_TEST(res.headers.count("WWW-Authenticate") == 1u, what);
}

bool has_key(const json& j, const std::string& key) {
  return j.is_object() && j.contains(key);
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(accounts, fixture)

BOOST_AUTO_TEST_CASE(full_lifecycle) {
  const std::string password = "correct horse battery 1";
  auto reg = post("/api/v1/auth/register", {{"email", "  Alice.Liddell@Example.COM "},
                                            {"password", password},
                                            {"display_name", "Alice"}});
  BOOST_REQUIRE_EQUAL(reg.status, 201);
  auto user = reg.json();
  BOOST_TEST(user["id"].get<std::string>().rfind("usr_", 0) == 0u);
  BOOST_TEST(user["email"] == "alice.liddell@example.com");  // trimmed, lower case
  BOOST_TEST(user["display_name"] == "Alice");
  BOOST_TEST(user["role"] == "user");
  BOOST_TEST(user["created_at"].is_string());
  BOOST_TEST(!has_key(user, "password"));
  BOOST_TEST(!has_key(user, "password_hash"));
  BOOST_TEST(reg.body.find(password) == std::string::npos);
  BOOST_TEST(reg.body.find("argon2") == std::string::npos);
  BOOST_TEST(reg.headers.find("Location")->second == "/api/v1/auth/me");

  auto in = login(server, "alice.liddell@example.com", password);
  BOOST_REQUIRE_EQUAL(in.status, 200);
  auto session = in.json();
  BOOST_TEST(session["token_type"] == "Bearer");
  BOOST_TEST(session["expires_in"] == 900);  // user_auth.access_ttl default, 15m
  BOOST_TEST(session["refresh_expires_in"] == 168 * 3600);
  BOOST_TEST(session["user"] == user);
  std::string access = session["access_token"], refresh_a = session["refresh_token"];
  BOOST_TEST(std::count(access.begin(), access.end(), '.') == 2);
  BOOST_TEST(refresh_a.rfind("tsr_", 0) == 0u);
  BOOST_TEST(in.body.find("argon2") == std::string::npos);

  // A second sign-in (another device): its refresh token must end with the password change too.
  auto second = login(server, "ALICE.LIDDELL@example.com", password);
  BOOST_REQUIRE_EQUAL(second.status, 200);
  std::string refresh_b = second.json()["refresh_token"];

  auto got = me(access);
  BOOST_REQUIRE_EQUAL(got.status, 200);
  BOOST_TEST(got.json()["id"] == user["id"]);
  BOOST_TEST(got.json()["email"] == "alice.liddell@example.com");
  auto anonymous = server.get("/api/v1/auth/me");
  BOOST_TEST(anonymous.status == 401);
  BOOST_TEST(anonymous.error_code() == "unauthenticated");
  BOOST_TEST(anonymous.headers.count("WWW-Authenticate") == 1u);

  auto renamed = server.send("PUT", "/api/v1/auth/me", R"({"display_name":"Alice L."})",
                             bearer(access));
  BOOST_REQUIRE_EQUAL(renamed.status, 200);
  BOOST_TEST(renamed.json()["display_name"] == "Alice L.");
  BOOST_TEST(me(access).json()["display_name"] == "Alice L.");

  const std::string next = "a much better passphrase 2";
  auto put_me = [&](const json& body) {
    return server.send("PUT", "/api/v1/auth/me", body.dump(), bearer(access));
  };
  auto no_current = put_me({{"password", next}});
  BOOST_TEST(no_current.status == 400);
  BOOST_TEST(no_current.error_message().rfind("current_password", 0) == 0u,
             no_current.error_message());
  auto wrong_current = put_me({{"password", next}, {"current_password", "not my password 9"}});
  BOOST_TEST(wrong_current.status == 401);
  BOOST_TEST(wrong_current.error_code() == "invalid_credentials");
  for (std::string weak : {"short", "password123", "my alice.liddell pw"}) {
    auto res = put_me({{"password", weak}, {"current_password", password}});
    BOOST_TEST(res.status == 400, weak);
    BOOST_TEST(res.error_code() == "invalid_request", weak);
    BOOST_TEST(res.error_message().rfind("password:", 0) == 0u,
               weak << ": " << res.error_message());
  }
  // None of the refused changes took: the old password still works.
  BOOST_TEST(login(server, "alice.liddell@example.com", password).status == 200);

  auto changed = put_me({{"password", next}, {"current_password", password}});
  BOOST_REQUIRE_EQUAL(changed.status, 200);
  BOOST_TEST(changed.body.find(next) == std::string::npos);
  BOOST_TEST(!has_key(changed.json(), "password_hash"));
  // A new password ends every sign-in, this one included, and their access
  // tokens with them.
  expect_invalid_credentials(me(access), "access token after the change", true);
  expect_invalid_credentials(refresh(refresh_a), "refresh of session A after the change");
  expect_invalid_credentials(refresh(refresh_b), "refresh of session B after the change");
  expect_invalid_credentials(login(server, "alice.liddell@example.com", password), "old password");
  auto again = login(server, "alice.liddell@example.com", next);
  BOOST_REQUIRE_EQUAL(again.status, 200);
  BOOST_TEST(again.json()["user"]["display_name"] == "Alice L.");
  BOOST_TEST(refresh(again.json()["refresh_token"]).status == 200);

  BOOST_TEST(wait_for_audit(dir, "password_changed"));
  BOOST_TEST(wait_for_audit(dir, "password_change_failed"));
  BOOST_TEST(wait_for_audit(dir, "user_registered"));
}

BOOST_AUTO_TEST_CASE(changing_your_own_name_or_password_never_changes_your_role) {
  auto root = make_admin(dir, server, "root@example.com");
  auto renamed = server.send("PUT", "/api/v1/auth/me", R"({"display_name":"Root"})", root.auth());
  BOOST_REQUIRE_EQUAL(renamed.status, 200);
  BOOST_TEST(renamed.json()["role"] == "admin");
  BOOST_TEST(server.get("/api/v1/admin/users", root.auth()).status == 200);
  auto next = "another admin passphrase 7";
  auto changed = server.send("PUT", "/api/v1/auth/me",
                             json{{"password", next}, {"current_password", root.password}}.dump(),
                             root.auth());
  BOOST_REQUIRE_EQUAL(changed.status, 200);
  auto again = login(server, root.email, next);
  BOOST_REQUIRE_EQUAL(again.status, 200);
  BOOST_TEST(again.json()["user"]["role"] == "admin");
  BOOST_TEST(server.get("/api/v1/admin/users", bearer(again.json()["access_token"])).status == 200);
}

BOOST_AUTO_TEST_CASE(register_refusals_name_the_field_and_write_nothing) {
  struct refusal {
    json body;
    std::string field;
  };
  const std::string good = "Tr0ub4dor & 3 zebras";
  std::vector<refusal> refusals = {
      {{{"email", "not-an-email"}, {"password", good}, {"display_name", "X"}}, "email"},
      {{{"email", "a@b"}, {"password", good}, {"display_name", "X"}}, "email"},
      {{{"email", 42}, {"password", good}, {"display_name", "X"}}, "email"},
      {{{"email", "short@example.com"}, {"password", "Sh0rt!"}, {"display_name", "X"}}, "password"},
      {{{"email", "common@example.com"}, {"password", "Password123"}, {"display_name", "X"}},
       "password"},
      {{{"email", "carol.smith@example.com"}, {"password", "xxCarol.Smith-2024!"},
        {"display_name", "Carol"}},
       "password"},
      {{{"email", "nameless@example.com"}, {"password", good}}, "display_name"},
      {{{"email", "empty@example.com"}, {"password", good}, {"display_name", ""}}, "display_name"},
      {{{"email", "nopw@example.com"}, {"display_name", "X"}}, "password"},
      {{{"email", "boss@example.com"}, {"password", good}, {"display_name", "Boss"},
        {"role", "admin"}},
       "role"},
  };
  for (const auto& r : refusals) {
    auto res = post("/api/v1/auth/register", r.body);
    BOOST_TEST(res.status == 400, r.body.dump() << ": " << res.status);
    BOOST_TEST(res.error_code() == "invalid_request", r.body.dump());
    BOOST_TEST(res.error_message().rfind(r.field + ":", 0) == 0u,
               r.body.dump() << ": \"" << res.error_message() << "\" should name " << r.field);
    if (r.body.contains("password"))
      BOOST_TEST(res.body.find(r.body["password"].get<std::string>()) == std::string::npos);
    // Nobody can log in as a refused registration.
    if (r.field != "email" && r.body.contains("password"))
      BOOST_TEST(login(server, r.body["email"], r.body["password"]).status == 401, r.body.dump());
  }
  BOOST_TEST(post("/api/v1/auth/register", json::array({1})).status == 400);
  BOOST_TEST(server.send("POST", "/api/v1/auth/register", "{\"email\":", {}).status == 400);

  // The admin sees no user but themselves.
  auto admin = make_admin(dir, server, "root@example.com");
  auto users = server.get("/api/v1/admin/users", admin.auth());
  BOOST_REQUIRE_EQUAL(users.status, 200);
  BOOST_TEST(users.json()["users"].size() == 1u, users.body);
  BOOST_TEST(users.json()["users"][0]["email"] == "root@example.com");
  BOOST_TEST(users.json()["users"][0]["role"] == "admin");
}

BOOST_AUTO_TEST_CASE(a_taken_email_is_409_whatever_its_case) {
  auto first = sign_up(server, "Dave@Example.com", "Dave");
  auto res = post("/api/v1/auth/register", {{"email", " DAVE@example.COM"},
                                            {"password", "another fine passphrase"},
                                            {"display_name", "Impostor"}});
  BOOST_TEST(res.status == 409);
  BOOST_TEST(res.error_code() == "conflict");
  BOOST_TEST(res.error_message().rfind("email", 0) == 0u, res.error_message());
  // The first account is untouched: its password works, the second one doesn't.
  BOOST_TEST(login(server, "dave@example.com", first.password).status == 200);
  BOOST_TEST(login(server, "dave@example.com", "another fine passphrase").status == 401);
  BOOST_TEST(me(first.access_token).json()["display_name"] == "Dave");
}

BOOST_AUTO_TEST_CASE(unknown_email_and_wrong_password_look_the_same) {
  auto erin = sign_up(server, "erin@example.com");
  auto unknown = login(server, "nobody@example.com", erin.password);
  auto wrong = login(server, "erin@example.com", "not erin's password 1");
  BOOST_TEST(unknown.status == 401);
  BOOST_TEST(wrong.status == 401);
  BOOST_TEST(unknown.error_code() == "invalid_credentials");
  BOOST_TEST(unknown.error_code() == wrong.error_code());
  BOOST_TEST(unknown.error_message() == wrong.error_message());
  BOOST_TEST(!unknown.error_message().empty());
  BOOST_TEST(wait_for_audit(dir, "login_failed", 2));
  // What was typed for an unknown account is not kept (it may be a password
  // typed in the wrong field); the known account is named by its id.
  bool unknown_seen = false, erin_seen = false;
  for (const auto& e : audit_entries(dir)) {
    BOOST_TEST(e.dump().find("nobody@example.com") == std::string::npos, e.dump());
    if (e.is_object() && e["action"] == "login_failed") {
      unknown_seen |= e["detail"].value("account", "") == "unknown";
      erin_seen |= e["actor"] == erin.id;
    }
  }
  BOOST_TEST(unknown_seen);
  BOOST_TEST(erin_seen);
}

BOOST_AUTO_TEST_CASE(refresh_rotates_and_reuse_revokes_the_family) {
  auto frank = sign_up(server, "frank@example.com");
  auto other_device = login(server, frank.email, frank.password).json();

  auto first = refresh(frank.refresh_token);
  BOOST_REQUIRE_EQUAL(first.status, 200);
  std::string access2 = first.json()["access_token"], refresh2 = first.json()["refresh_token"];
  BOOST_TEST(refresh2 != frank.refresh_token);
  BOOST_TEST(access2 != frank.access_token);
  BOOST_TEST(first.json()["user"]["id"] == frank.id);
  BOOST_TEST(me(access2).status == 200);

  auto second = refresh(refresh2);
  BOOST_REQUIRE_EQUAL(second.status, 200);
  std::string refresh3 = second.json()["refresh_token"];

  // The spent token again: refused, and the whole sign-in is revoked,
  // including the newest token (whoever replayed it holds a copy).
  expect_invalid_credentials(refresh(frank.refresh_token), "reuse of a spent refresh token");
  expect_invalid_credentials(refresh(refresh3), "newest token of the revoked family");
  expect_invalid_credentials(refresh(refresh2), "middle token of the revoked family");
  BOOST_TEST(wait_for_audit(dir, "refresh_reuse"));
  bool attributed = false;
  for (const auto& e : audit_entries(dir))
    attributed |= e.value("action", "") == "refresh_reuse" && e.value("actor", "") == frank.id;
  BOOST_TEST(attributed);

  // Another sign-in of the same user is a different family and lives on.
  BOOST_TEST(refresh(other_device["refresh_token"]).status == 200);

  // Not refresh tokens at all.
  expect_invalid_credentials(refresh("tsr_" + std::string(43, 'A')), "unknown refresh token");
  auto access_as_refresh = refresh(frank.access_token);
  BOOST_TEST(access_as_refresh.status >= 400);
  BOOST_TEST(access_as_refresh.status < 500);
  BOOST_TEST(refresh("").status == 400);
}

BOOST_AUTO_TEST_CASE(a_refresh_token_raced_from_two_places_leaves_no_live_session) {
  auto gus = sign_up(server, "gus@example.com");
  // Eight clients present the same refresh token at once: at most one gets a
  // new pair, and since the others are reuse, that pair is revoked too.
  std::vector<std::thread> clients;
  std::vector<http_result> results(8);
  for (size_t i = 0; i < results.size(); ++i)
    clients.emplace_back([&, i] { results[i] = refresh(gus.refresh_token); });
  for (auto& t : clients)
    t.join();
  int rotated = 0;
  for (const auto& r : results) {
    BOOST_TEST((r.status == 200 || r.status == 401), r.status << " " << r.body);
    if (r.status != 200)
      continue;
    ++rotated;
    expect_invalid_credentials(refresh(r.json()["refresh_token"]), "the racing winner's token");
  }
  BOOST_TEST(rotated <= 1);
  BOOST_TEST(wait_for_audit(dir, "refresh_reuse"));
}

BOOST_AUTO_TEST_CASE(tampered_access_tokens_are_refused) {
  auto grace = sign_up(server, "grace@example.com");
  // The test's own JWT code agrees with the server's, so the refusals below
  // are about the tampering, not about how the test builds tokens.
  auto honest = make_jwt({{"alg", "HS256"}, {"typ", "JWT"}}, claims_for(grace), test_jwt_secret);
  BOOST_REQUIRE_EQUAL(me(honest).status, 200);

  // The server's token with the payload changed to role admin, not re-signed.
  auto parts = grace.access_token;
  auto dot1 = parts.find('.'), dot2 = parts.rfind('.');
  auto payload = json::parse(*encoding::base64url_decode(parts.substr(dot1 + 1, dot2 - dot1 - 1)));
  BOOST_TEST(payload["role"] == "user");
  BOOST_TEST(payload["sub"] == grace.id);
  BOOST_TEST(payload["iss"] == "tessera");
  payload["role"] = "admin";
  auto promoted = parts.substr(0, dot1 + 1) + encoding::base64url_encode(payload.dump()) +
                  parts.substr(dot2);
  expect_invalid_credentials(me(promoted), "payload changed", true);
  expect_invalid_credentials(server.get("/api/v1/admin/users", bearer(promoted)),
                             "payload changed, on an admin route", true);

  auto none_header = encoding::base64url_encode(json({{"alg", "none"}, {"typ", "JWT"}}).dump());
  auto unsigned_token = none_header + "." +
                        encoding::base64url_encode(claims_for(grace, "admin").dump()) + ".";
  expect_invalid_credentials(me(unsigned_token), "alg none", true);
  expect_invalid_credentials(server.get("/api/v1/admin/users", bearer(unsigned_token)),
                             "alg none, on an admin route", true);

  auto wrong_key = make_jwt({{"alg", "HS256"}, {"typ", "JWT"}}, claims_for(grace),
                            "another-secret-of-forty-bytes-0123456789");
  expect_invalid_credentials(me(wrong_key), "signed with another key", true);

  auto hs512 = make_jwt({{"alg", "HS512"}, {"typ", "JWT"}}, claims_for(grace), test_jwt_secret,
                        EVP_sha512());
  expect_invalid_credentials(me(hs512), "HS512 with the right secret", true);

  auto expired_claims = claims_for(grace);
  auto now = static_cast<int64_t>(std::time(nullptr));
  expired_claims["iat"] = now - 3600;
  expired_claims["exp"] = now - 60;
  auto expired = make_jwt({{"alg", "HS256"}, {"typ", "JWT"}}, expired_claims, test_jwt_secret);
  expect_invalid_credentials(me(expired), "expired", true);

  auto foreign_claims = claims_for(grace);
  foreign_claims["iss"] = "someone-else";
  auto foreign = make_jwt({{"alg", "HS256"}, {"typ", "JWT"}}, foreign_claims, test_jwt_secret);
  expect_invalid_credentials(me(foreign), "wrong issuer", true);

  // A correctly signed token for a user that doesn't exist.
  auto ghost_claims = claims_for(grace);
  ghost_claims["sub"] = "usr_00000000000000000";
  auto ghost = make_jwt({{"alg", "HS256"}, {"typ", "JWT"}}, ghost_claims, test_jwt_secret);
  expect_invalid_credentials(me(ghost), "unknown subject", true);
  expect_invalid_credentials(me("not.a.jwt"), "garbage", true);

  // The real token still works after all that.
  BOOST_TEST(me(grace.access_token).status == 200);
}

BOOST_AUTO_TEST_CASE(logout_ends_one_or_every_session) {
  auto hank = sign_up(server, "hank@example.com");
  auto s2 = login(server, hank.email, hank.password).json();
  auto s3 = login(server, hank.email, hank.password).json();

  auto logout = [&](const json& body, const httplib::Headers& headers) {
    return server.send("POST", "/api/v1/auth/logout", body.dump(), headers);
  };
  BOOST_TEST(logout({{"refresh_token", hank.refresh_token}}, {}).status == 401);
  // Someone else's refresh token can't be used to end a session that isn't yours.
  auto ivy = sign_up(server, "ivy@example.com");
  auto foreign = logout({{"refresh_token", hank.refresh_token}}, ivy.auth());
  BOOST_TEST(foreign.status == 400);
  BOOST_TEST(foreign.error_message().rfind("refresh_token", 0) == 0u);
  BOOST_TEST(refresh(ivy.refresh_token).status == 200);

  BOOST_TEST(logout({{"refresh_token", hank.refresh_token}}, hank.auth()).status == 204);
  expect_invalid_credentials(refresh(hank.refresh_token), "after logout");
  // That sign-in's access token ends with it, not when it runs out.
  expect_invalid_credentials(server.get("/api/v1/auth/me", hank.auth()),
                             "access token after logout", true);
  auto s2_next = refresh(s2["refresh_token"]);
  BOOST_REQUIRE_EQUAL(s2_next.status, 200);  // the other sign-ins go on
  auto s3_auth = bearer(s3["access_token"]);
  BOOST_TEST(server.get("/api/v1/auth/me", s3_auth).status == 200);

  BOOST_TEST(logout(json::object(), s3_auth).status == 204);
  expect_invalid_credentials(refresh(s2_next.json()["refresh_token"]), "after logout of all");
  expect_invalid_credentials(refresh(s3["refresh_token"]), "after logout of all");
  expect_invalid_credentials(server.get("/api/v1/auth/me", s3_auth), "after logout of all", true);
  expect_invalid_credentials(
      server.get("/api/v1/auth/me", bearer(s2_next.json()["access_token"])),
      "another sign-in's access token after logout of all", true);
  // Ivy's sessions are hers.
  BOOST_TEST(login(server, ivy.email, ivy.password).status == 200);
  BOOST_TEST(wait_for_audit(dir, "logout", 2));
}

BOOST_FIXTURE_TEST_CASE(parallel_guesses_do_not_outrun_the_throttle, throttled_fixture) {
  auto lena = sign_up(server, "lena@example.com");
  // Twelve wrong passwords at once: each is counted before it is checked, so
  // no more than the limit (3) are ever checked.
  std::vector<std::thread> threads;
  std::atomic<int> checked{0}, throttled{0};
  for (int i = 0; i < 12; ++i)
    threads.emplace_back([&, i] {
      auto res = login(server, lena.email, "wrong password " + std::to_string(i));
      if (res.status == 401)
        ++checked;
      else if (res.status == 429)
        ++throttled;
    });
  for (auto& t : threads)
    t.join();
  BOOST_TEST(checked.load() <= 3);
  BOOST_TEST(checked.load() + throttled.load() == 12);
}

BOOST_FIXTURE_TEST_CASE(a_strangers_failures_do_not_lock_the_owner_out, throttled_proxy_fixture) {
  auto mia = sign_up(server, "mia@example.com");
  for (int i = 0; i < 3; ++i)
    BOOST_TEST(login_from("198.51.100.7", mia.email, "guess " + std::to_string(i)).status == 401);
  // The stranger's address is throttled for this account...
  BOOST_TEST(login_from("198.51.100.7", mia.email, mia.password).status == 429);
  // ...but the owner, elsewhere, still gets in.
  BOOST_TEST(login_from("203.0.113.20", mia.email, mia.password).status == 200);
}

BOOST_FIXTURE_TEST_CASE(four_addresses_can_not_lock_the_owner_out, throttled_proxy_fixture) {
  auto mia = sign_up(server, "mia@example.com");
  // Every guess four addresses may make...
  for (int a = 1; a <= 4; ++a) {
    auto address = "198.51.100." + std::to_string(a);
    for (int i = 0; i < 3; ++i)
      BOOST_TEST(login_from(address, mia.email, "guess " + std::to_string(i)).status == 401);
    BOOST_TEST(login_from(address, mia.email, "guess").status == 429);
  }
  // ...and the owner, from a fifth address never seen before, gets in: the
  // account-wide count is of addresses (4 of 4 x 3).
  BOOST_TEST(login_from("203.0.113.20", mia.email, mia.password).status == 200);
}

BOOST_FIXTURE_TEST_CASE(many_addresses_lock_new_ones_but_not_the_owners, throttled_proxy_fixture) {
  auto mia = sign_up(server, "mia@example.com");
  BOOST_TEST(login_from("203.0.113.20", mia.email, mia.password).status == 200);
  // Guessing from many addresses hits the account-wide limit (4 x 3 addresses)...
  int refused = 0;
  for (int i = 0; i < 16; ++i) {
    auto res = login_from("192.0.2." + std::to_string(i + 1), mia.email, "guess");
    refused += res.status == 429;
  }
  BOOST_TEST(refused >= 4);
  // ...for any new address, the owner's included...
  BOOST_TEST(login_from("203.0.113.99", mia.email, mia.password).status == 429);
  // ...but not where the owner signed in from before.
  BOOST_TEST(login_from("203.0.113.20", mia.email, mia.password).status == 200);
}

BOOST_FIXTURE_TEST_CASE(failed_logins_are_throttled, throttled_fixture) {
  auto jack = sign_up(server, "jack@example.com");
  auto kate = sign_up(server, "kate@example.com");
  for (int i = 0; i < 3; ++i)
    BOOST_TEST(login(server, jack.email, "wrong password " + std::to_string(i)).status == 401);
  // The account is throttled now, even for the right password.
  auto throttled = login(server, jack.email, jack.password);
  BOOST_TEST(throttled.status == 429);
  BOOST_TEST(throttled.error_code() == "rate_limited");
  auto retry = throttled.headers.find("Retry-After");
  BOOST_REQUIRE(retry != throttled.headers.end());
  auto seconds = std::stoi(retry->second);
  BOOST_TEST(seconds >= 1);
  BOOST_TEST(seconds <= 15 * 60);  // user_auth.login_window
  BOOST_TEST(wait_for_audit(dir, "login_throttled"));

  // Another account from the same address is not (per address it takes 4x).
  BOOST_TEST(login(server, kate.email, kate.password).status == 200);

  // 8 more failures on unknown accounts (11 from this address): still fine.
  for (int i = 0; i < 8; ++i)
    BOOST_TEST(login(server, "ghost" + std::to_string(i / 3) + "@example.com", "wrong password 1")
                   .status == 401);
  BOOST_TEST(login(server, kate.email, kate.password).status == 200);
  // The 12th failure closes the address, for every account.
  BOOST_TEST(login(server, "ghost9@example.com", "wrong password 1").status == 401);
  auto closed = login(server, kate.email, kate.password);
  BOOST_TEST(closed.status == 429);
  BOOST_TEST(closed.headers.count("Retry-After") == 1u);
}

BOOST_FIXTURE_TEST_CASE(routes_are_404_while_accounts_are_off, disabled_fixture) {
  for (auto [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"POST", "/api/v1/auth/register"},
           {"POST", "/api/v1/auth/login"},
           {"POST", "/api/v1/auth/refresh"},
           {"GET", "/api/v1/auth/me"},
           {"GET", "/api/v1/auth/api-keys"},
           {"POST", "/api/v1/claim-tokens"},
           {"GET", "/api/v1/provider/agents"},
           {"GET", "/api/v1/admin/users"}}) {
    auto res = server.send(method, target, method == "GET" ? "" : "{}", {});
    BOOST_TEST(res.status == 404, method << " " << target << ": " << res.status);
    BOOST_TEST(res.error_code() == "not_found", method << " " << target);
  }
  auto body = json{{"email", "a@example.com"}, {"password", "a fine passphrase"},
                   {"display_name", "A"}};
  BOOST_TEST(server.send("POST", "/api/v1/auth/register", body.dump(), {}).status == 404);

  // A bearer token on a read route is refused rather than ignored.
  BOOST_TEST(server.get("/api/v1/agents").status == 200);
  auto now = static_cast<int64_t>(std::time(nullptr));
  auto token = make_jwt({{"alg", "HS256"}},
                        {{"iss", "tessera"}, {"sub", "usr_x"}, {"role", "user"}, {"iat", now},
                         {"exp", now + 600}, {"jti", "jti_x"}, {"sid", "fam_x"}},
                        test_jwt_secret);
  auto res = server.get("/api/v1/agents", bearer(token));
  BOOST_TEST(res.status == 401);
  BOOST_TEST(res.error_code() == "invalid_credentials");
  BOOST_TEST(server.get("/api/v1/agents", bearer("tsk_" + std::string(43, 'a'))).status == 401);
}

BOOST_AUTO_TEST_SUITE_END()
