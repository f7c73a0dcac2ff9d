// The registry's REST API through a real tesserad: happy paths, filters and
// pages, and every kind of bad input (each a 4xx naming the field, with
// nothing written).
#include <boost/test/unit_test.hpp>

#include <set>

#include "protocol/agent_card.hpp"
#include "support.hpp"

using namespace tessera::test;
using nlohmann::json;

namespace {

struct fixture {
  temp_dir dir;
  test_database db{dir};
  server_process server{dir, db,
                        {{"server.max_body_bytes", "65536"},
                         {"server.cors_origins", "[\"https://console.example.com\"]"}}};
  fixture() { server.start(); }

  size_t agent_count() {
    size_t n = 0;
    std::string token;
    for (;;) {
      auto res = server.get("/api/v1/agents?limit=200" + (token.empty() ? "" : "&page_token=" + token));
      BOOST_REQUIRE_EQUAL(res.status, 200);
      auto j = res.json();
      n += j["agents"].size();
      if (j["next_page_token"].is_null())
        return n;
      token = j["next_page_token"];
    }
  }

  /// Posts a (signed or not) card body signed by `a`; checks the status, that
  /// the message names `field`, and that nothing was written.
  void expect_rejected(const agent& a, const std::string& body, int status,
                       const std::string& field) {
    auto before = agent_count();
    auto res = server.send("POST", "/api/v1/agents", body,
                           a.sign_request("POST", "/api/v1/agents", body));
    BOOST_TEST(res.status == status, "status " << res.status << " body " << res.body);
    BOOST_TEST(res.error_message().find(field) != std::string::npos,
               "message \"" << res.error_message() << "\" should name " << field);
    BOOST_TEST(agent_count() == before);
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(agents_api, fixture)

BOOST_AUTO_TEST_CASE(register_get_and_serve_the_card_unchanged) {
  agent a;
  auto signed_card = a.sign(a.card("Echo"));
  auto res = a.register_at(server, signed_card);
  BOOST_REQUIRE_EQUAL(res.status, 201);
  BOOST_TEST(res.headers.find("Location")->second == "/api/v1/agents/" + a.id);
  auto j = res.json();
  BOOST_TEST(j["id"] == a.id);
  BOOST_TEST(j["did"] == "did:key:" + a.id);
  BOOST_TEST(j["status"] == "online");
  BOOST_TEST(j["card"] == signed_card);

  auto got = server.get("/api/v1/agents/" + a.id);
  BOOST_REQUIRE_EQUAL(got.status, 200);
  BOOST_TEST(got.json()["card"] == signed_card);
  // Anyone can verify the served card later.
  tessera::problem err;
  BOOST_TEST(tessera::card::parse(got.json()["card"], err).has_value(), err.message);
  BOOST_TEST(got.json()["registered_at"].get<std::string>().back() == 'Z');

  auto again = a.register_at(server, signed_card);
  BOOST_TEST(again.status == 409);
  BOOST_TEST(again.error_code() == "agent_exists");
}

BOOST_AUTO_TEST_CASE(unknown_and_malformed_ids_are_404) {
  agent a;
  BOOST_TEST(server.get("/api/v1/agents/" + a.id).status == 404);
  auto res = server.get("/api/v1/agents/not-an-id");
  BOOST_TEST(res.status == 404);
  BOOST_TEST(res.error_code() == "not_found");
}

BOOST_AUTO_TEST_CASE(list_filters_and_pages) {
  std::vector<agent> agents(5);
  std::vector<std::vector<std::string>> protocols = {
      {"a2a"}, {"mcp"}, {"a2a", "mcp"}, {"acp"}, {"http"}};
  for (size_t i = 0; i < agents.size(); ++i) {
    auto c = agents[i].card("Agent " + std::to_string(i), protocols[i]);
    if (i == 3)
      c["tags"] = {"special"};
    BOOST_REQUIRE_EQUAL(agents[i].register_at(server, agents[i].sign(c)).status, 201);
  }
  auto ids_of = [](const json& page) {
    std::set<std::string> ids;
    for (auto& a : page["agents"])
      ids.insert(a["id"].get<std::string>());
    return ids;
  };
  auto mcp = server.get("/api/v1/agents?protocol=mcp");
  BOOST_TEST(ids_of(mcp.json()) == (std::set<std::string>{agents[1].id, agents[2].id}));
  auto special = server.get("/api/v1/agents?tag=special");
  BOOST_TEST(ids_of(special.json()) == std::set<std::string>{agents[3].id});
  auto util = server.get("/api/v1/agents?tag=util&skill=echo&status=online");
  BOOST_TEST(ids_of(util.json()).size() == 5u);  // skill tags count as tags too
  BOOST_TEST(server.get("/api/v1/agents?status=offline").json()["agents"].size() == 0u);

  // Pages of two: every agent exactly once, in id order.
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto res = server.get("/api/v1/agents?limit=2" + (token.empty() ? "" : "&page_token=" + token));
    BOOST_REQUIRE_EQUAL(res.status, 200);
    auto page = res.json();
    for (auto& a : page["agents"])
      seen.push_back(a["id"]);
    auto next = page["next_page_token"];
    token = next.is_null() ? "" : next.get<std::string>();
    ++pages;
  } while (!token.empty() && pages < 10);
  BOOST_TEST(pages == 3);
  BOOST_TEST(seen.size() == 5u);
  BOOST_TEST(std::is_sorted(seen.begin(), seen.end()));
  BOOST_TEST(std::set<std::string>(seen.begin(), seen.end()).size() == 5u);
}

BOOST_AUTO_TEST_CASE(list_rejects_bad_parameters) {
  for (auto [query, field] : std::vector<std::pair<std::string, std::string>>{
           {"limit=0", "limit"}, {"limit=201", "limit"}, {"limit=abc", "limit"},
           {"protocol=ftp", "protocol"}, {"status=sleeping", "status"},
           {"page_token=%21%21", "page_token"}, {"colour=red", "colour"},
           {"tag=" + std::string(129, 'x'), "tag"}}) {
    auto res = server.get("/api/v1/agents?" + query);
    BOOST_TEST(res.status == 400, query);
    BOOST_TEST(res.error_message().find(field) == 0, query << ": " << res.error_message());
  }
}

BOOST_AUTO_TEST_CASE(replace_and_delete_by_the_agent_only) {
  agent a, b;
  BOOST_REQUIRE_EQUAL(a.register_at(server, a.sign(a.card("Old name"))).status, 201);
  BOOST_REQUIRE_EQUAL(b.register_at(server, b.sign(b.card("B"))).status, 201);
  auto target = "/api/v1/agents/" + a.id;
  auto body = a.sign(a.card("New name", {"mcp"})).dump();

  // b can't replace or delete a, even with a card signed by a.
  auto forged = server.send("PUT", target, body, b.sign_request("PUT", target, body));
  BOOST_TEST(forged.status == 403);
  BOOST_TEST(server.send("DELETE", target, "", b.sign_request("DELETE", target, "")).status == 403);
  BOOST_TEST(server.send("PUT", target, body, {}).status == 401);

  // a can't swap in a card with another key.
  auto other_key = b.sign(b.card("Hijack")).dump();
  auto swapped = server.send("PUT", target, other_key, a.sign_request("PUT", target, other_key));
  BOOST_TEST(swapped.status == 400);
  BOOST_TEST(swapped.error_message().find("public_key") == 0);

  auto ok = server.send("PUT", target, body, a.sign_request("PUT", target, body));
  BOOST_REQUIRE_EQUAL(ok.status, 200);
  BOOST_TEST(ok.json()["name"] == "New name");
  BOOST_TEST(ok.json()["card"]["protocols"] == json::array({"mcp"}));
  BOOST_TEST(server.get("/api/v1/agents?protocol=mcp").json()["agents"].size() == 1u);
  BOOST_TEST(server.get("/api/v1/agents?protocol=a2a").json()["agents"].size() == 1u);  // b

  BOOST_TEST(server.send("DELETE", target, "", a.sign_request("DELETE", target, "")).status == 204);
  BOOST_TEST(server.get(target).status == 404);
  BOOST_TEST(server.send("DELETE", target, "", a.sign_request("DELETE", target, "")).status == 404);
  BOOST_TEST(a.heartbeat(server).status == 404);
}

BOOST_AUTO_TEST_CASE(heartbeat_answers_status_and_deadline) {
  agent a;
  BOOST_TEST(a.heartbeat(server).status == 404);  // not registered
  BOOST_REQUIRE_EQUAL(a.register_at(server, a.sign(a.card())).status, 201);
  auto res = a.heartbeat(server);
  BOOST_REQUIRE_EQUAL(res.status, 200);
  BOOST_TEST(res.json()["status"] == "online");
  BOOST_TEST(res.json()["next_deadline"].get<std::string>().size() == 24u);
  agent b;
  auto target = "/api/v1/agents/" + a.id + "/heartbeat";
  // An unregistered key is not found before anything else (its nonce is not kept).
  BOOST_TEST(server.send("POST", target, "", b.sign_request("POST", target, "")).status == 404);
  BOOST_REQUIRE_EQUAL(b.register_at(server, b.sign(b.card())).status, 201);
  BOOST_TEST(server.send("POST", target, "", b.sign_request("POST", target, "")).status == 403);
}

BOOST_AUTO_TEST_CASE(bad_cards_are_rejected_naming_the_field) {
  agent a;
  auto good = a.card();
  auto with = [&](const std::string& key, json value) {
    auto c = good;
    c[key] = std::move(value);
    return a.sign(c).dump();
  };
  expect_rejected(a, "{\"name\": ", 400, "body");
  expect_rejected(a, "[1,2]", 400, "card: must be a JSON object");
  expect_rejected(a, with("name", 5), 400, "name");
  expect_rejected(a, with("name", std::string(129, 'n')), 400, "name");
  expect_rejected(a, with("description", std::string(4097, 'd')), 400, "description");
  json skills = json::array();
  for (int i = 0; i < 65; ++i)
    skills.push_back({{"id", "s" + std::to_string(i)}, {"name", "S"}});
  expect_rejected(a, with("skills", skills), 400, "skills");
  expect_rejected(a, with("protocols", {"ftp"}), 400, "protocols[0]");
  expect_rejected(a, with("url", "ftp://agent.example.com"), 400, "url");
  expect_rejected(a, with("metadata", {{"blob", std::string(17 * 1024, 'm')}}), 400, "metadata");
  expect_rejected(a, with("colour", "red"), 400, "colour");

  // A key that is not 32 bytes (the signature can't help it).
  auto short_key = a.sign(good);
  short_key["public_key"] = "AAAA";
  expect_rejected(a, short_key.dump(), 400, "public_key");

  // Changed after signing: the signature no longer verifies.
  auto tampered = a.sign(good);
  tampered["name"] = "Someone else";
  expect_rejected(a, tampered.dump(), 400, "signatures");

  // Signed by one key, claiming another's.
  agent b;
  expect_rejected(a, b.sign(b.card()).dump(), 403, "public_key");

  // Nested beyond the limit, a number out of range, a duplicate key.
  expect_rejected(a, std::string(100, '[') + std::string(100, ']'), 400, "body");
  auto huge = a.sign(good).dump();
  huge.insert(1, "\"n\":1e400,");
  expect_rejected(a, huge, 400, "body: a number is out of range");
  auto twice = a.sign(good).dump();
  twice.insert(1, "\"name\":\"Other\",");
  expect_rejected(a, twice, 400, "body: duplicate key \"name\"");
  // Control characters in names (NUL would be stored differently by the databases).
  expect_rejected(a, with("name", std::string("a\0b", 3)), 400, "name");
}

// The attack: "<signed card>\0,\"injected\":..." was stored whole (the
// parser stopped at the NUL) and spliced into every page with the agent.
BOOST_AUTO_TEST_CASE(bytes_after_the_card_are_refused_and_lists_stay_json) {
  agent honest;
  BOOST_REQUIRE_EQUAL(honest.register_at(server, honest.sign(honest.card("Honest"))).status, 201);
  agent a;
  auto card = a.sign(a.card("Splice")).dump();
  expect_rejected(a, card + std::string("\0,\"injected\":{\"x\":1}}", 21), 400, "NUL");
  expect_rejected(a, card + ",\"injected\":1}", 400, "body");
  expect_rejected(a, card + " {}", 400, "body");
  // Whitespace after the value is JSON and is accepted.
  BOOST_REQUIRE_EQUAL(server.send("POST", "/api/v1/agents", card + " \n",
                                  a.sign_request("POST", "/api/v1/agents", card + " \n"))
                          .status,
                      201);
  for (const auto* target : {"/api/v1/agents", "/api/v1/directory"}) {
    auto res = server.get(target);
    BOOST_REQUIRE_EQUAL(res.status, 200);
    BOOST_TEST(!json::parse(res.body, nullptr, false).is_discarded(), target);
    BOOST_TEST(res.body.find("injected") == std::string::npos);
  }
  for (const auto& id : {honest.id, a.id}) {
    auto res = server.get("/api/v1/agents/" + id);
    BOOST_TEST(!json::parse(res.body, nullptr, false).is_discarded(), res.body);
  }
}

BOOST_AUTO_TEST_CASE(the_card_is_stored_and_served_byte_for_byte) {
  agent a;
  // Keys out of order and spaces: what the agent sent, not a re-serialization.
  auto c = a.sign(a.card("Bytes"));
  std::string body = "{ \"version\": " + c["version"].dump() + ", \"name\": " + c["name"].dump();
  for (auto& [key, value] : c.items())
    if (key != "version" && key != "name")
      body += ", \"" + key + "\": " + value.dump();
  body += " }";
  auto res = server.send("POST", "/api/v1/agents", body,
                         a.sign_request("POST", "/api/v1/agents", body));
  BOOST_REQUIRE_EQUAL(res.status, 201);
  auto got = server.get("/api/v1/agents/" + a.id);
  BOOST_TEST(got.body.find(",\"card\":" + body + "}") != std::string::npos, got.body);
}

BOOST_AUTO_TEST_CASE(bad_signatures_are_rejected) {
  agent a;
  auto before = agent_count();
  auto body = a.sign(a.card()).dump();
  const std::string target = "/api/v1/agents";
  // Each rejection says what is wrong with the signature.
  auto expect_401 = [&](const httplib::Headers& headers, const std::string& what,
                        const std::string& message, const std::string& sent = "") {
    auto res = server.send("POST", target, sent.empty() ? body : sent, headers);
    BOOST_TEST(res.status == 401, what << ": " << res.status << " " << res.body);
    BOOST_TEST(res.error_code() == "invalid_signature", what);
    BOOST_TEST(res.error_message().find(message) == 0, what << ": " << res.error_message());
  };
  // No credentials at all: the route says what it needs.
  auto unsigned_post = server.send("POST", target, body, {});
  BOOST_TEST(unsigned_post.status == 401);
  BOOST_TEST(unsigned_post.error_code() == "unauthenticated");
  BOOST_TEST(unsigned_post.error_message().find("needs the agent's signature") !=
             std::string::npos);
  expect_401(a.sign_request("POST", target, body, std::time(nullptr) - 3600), "stale",
             "signature created outside the allowed clock skew");
  expect_401(a.sign_request("POST", target, body, std::time(nullptr) + 3600), "from the future",
             "signature created outside the allowed clock skew");
  // The body changed after signing: the digest no longer matches.
  auto other = a.sign(a.card("Other")).dump();
  expect_401(a.sign_request("POST", target, body), "digest mismatch",
             "Content-Digest does not match the body", other);
  // Signed for another path.
  expect_401(a.sign_request("POST", "/api/v1/agents?x=1", body), "other target",
             "signature does not verify");
  // A signature by b with a's keyid.
  agent b;
  auto forged = b.sign_request("POST", target, body);
  auto input = forged.find("Signature-Input")->second;
  input.replace(input.find(b.id), b.id.size(), a.id);
  forged.erase("Signature-Input");
  forged.emplace("Signature-Input", input);
  expect_401(forged, "forged", "signature does not verify");
  // Without the alg parameter.
  auto no_alg = a.sign_request("POST", target, body);
  auto without = no_alg.find("Signature-Input")->second;
  without.erase(without.find(";alg="));
  no_alg.erase("Signature-Input");
  no_alg.emplace("Signature-Input", without);
  expect_401(no_alg, "no alg", "signature parameter alg");
  BOOST_TEST(agent_count() == before);

  // A captured request can't be replayed.
  auto headers = a.sign_request("POST", target, body);
  BOOST_REQUIRE_EQUAL(server.send("POST", target, body, headers).status, 201);
  auto replay = server.send("POST", target, body, headers);
  BOOST_TEST(replay.status == 401);
  BOOST_TEST(replay.error_message().find("nonce") != std::string::npos);
  auto hb = "/api/v1/agents/" + a.id + "/heartbeat";
  auto hb_headers = a.sign_request("POST", hb, "");
  BOOST_TEST(server.send("POST", hb, "", hb_headers).status == 200);
  BOOST_TEST(server.send("POST", hb, "", hb_headers).status == 401);

  // Failures are logged as security events, without what was sent.
  auto log = server.log();
  BOOST_TEST(log.find("signature rejected") != std::string::npos);
  auto sig = hb_headers.find("Signature")->second;
  BOOST_TEST(log.find(sig.substr(6, 40)) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(signatures_cover_the_path_and_query_as_sent) {
  // RFC 9421: @path and @query are the target's bytes as sent, not decoded.
  // "%7A" is "z": the server routes the decoded path, and verifies what was
  // signed.
  agent a;
  BOOST_REQUIRE_EQUAL(a.register_at(server, a.sign(a.card())).status, 201);
  auto encoded = "/api/v1/agents/%7A" + a.id.substr(1) + "/heartbeat";
  auto decoded = "/api/v1/agents/" + a.id + "/heartbeat";
  auto ok = server.send("POST", encoded, "", a.sign_request("POST", encoded, ""));
  BOOST_TEST(ok.status == 200, ok.body);
  BOOST_TEST(nlohmann::json::parse(ok.body)["id"] == a.id);
  auto other_form = server.send("POST", encoded, "", a.sign_request("POST", decoded, ""));
  BOOST_TEST(other_form.status == 401);
  BOOST_TEST(other_form.error_message().find("signature does not verify") == 0,
             other_form.error_message());
  // The query too: an encoded "&" is not a separator, and a signature over
  // one form does not verify the other.
  const std::string one = "/api/v1/agents?tag=a%26b", two = "/api/v1/agents?tag=a&b=";
  auto list = server.get(one, a.sign_request("GET", one, ""));
  BOOST_TEST(list.status == 200, list.body);
  auto swapped = server.get(two, a.sign_request("GET", one, ""));
  BOOST_TEST(swapped.status == 401);
  auto spelled = "/api/v1/agents?tag=%62ench";  // "bench", spelled encoded
  BOOST_TEST(server.get(spelled, a.sign_request("GET", spelled, "")).status == 200);
  BOOST_TEST(server.get(spelled, a.sign_request("GET", "/api/v1/agents?tag=bench", ""))
                 .status == 401);
}

BOOST_AUTO_TEST_CASE(body_over_the_limit_is_413) {
  agent a;
  auto body = std::string(70'000, ' ') + a.sign(a.card()).dump();
  auto res = server.send("POST", "/api/v1/agents", body,
                         a.sign_request("POST", "/api/v1/agents", body));
  BOOST_TEST(res.status == 413);
  BOOST_TEST(res.error_code() == "payload_too_large");
  BOOST_TEST(agent_count() == 0u);
}

BOOST_AUTO_TEST_CASE(request_id_cors_and_json_errors) {
  auto res = server.get("/api/v1/agents", {{"X-Request-Id", "trace-123"},
                                           {"Origin", "https://console.example.com"}});
  BOOST_TEST(res.headers.find("X-Request-Id")->second == "trace-123");
  BOOST_TEST(res.headers.find("Access-Control-Allow-Origin")->second ==
             "https://console.example.com");
  auto other = server.get("/api/v1/agents", {{"Origin", "https://evil.example.com"},
                                             {"X-Request-Id", "bad id with spaces"}});
  BOOST_TEST(other.headers.count("Access-Control-Allow-Origin") == 0u);
  BOOST_TEST(other.headers.find("X-Request-Id")->second != "bad id with spaces");
  auto preflight = server.send("OPTIONS", "/api/v1/agents", "",
                               {{"Origin", "https://console.example.com"},
                                {"Access-Control-Request-Method", "POST"}});
  BOOST_TEST(preflight.status == 204);
  BOOST_TEST(preflight.headers.count("Access-Control-Allow-Methods") == 1u);
  auto missing = server.get("/api/v1/nothing-here");
  BOOST_TEST(missing.status == 404);
  BOOST_TEST(missing.error_code() == "not_found");
  BOOST_TEST(wait_for_log(server, "request_id=trace-123"));
}

BOOST_AUTO_TEST_CASE(health_is_a_real_round_trip) {
  auto res = server.get("/api/v1/health");
  BOOST_REQUIRE_EQUAL(res.status, 200);
  BOOST_TEST(res.json()["status"] == "ok");
  BOOST_TEST(res.json()["components"]["database"] == "ok");
  BOOST_TEST(res.json()["components"]["registry"] == "ok");
}

BOOST_AUTO_TEST_SUITE_END()
