// The public directory through a real tesserad: every filter, every sort
// walked page by page (also while agents come and go), full-text search that
// no input can steer, min_score against scores earned from real events, bad
// parameters refused by name, and the profile.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <deque>
#include <optional>
#include <set>
#include <thread>

#include "support.hpp"

using namespace tessera::test;
using nlohmann::json;

namespace {

using ids = std::vector<std::string>;

std::string url_encode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

struct fixture {
  temp_dir dir;
  test_database db{dir};
  // One heartbeat moves a score from the prior 0.5 to 0.8 (alpha 0.1 x 6 =
  // 0.6 of the way to 1); a review moves it 0.15 of the way; agents never
  // lapse mid-test.
  server_process server{dir, db,
                        account_settings(dir, {{"reputation.weights", "{heartbeat_kept: 6}"},
                                               {"reputation.trusted_min_events", "3"},
                                               {"registry.offline_after", "1h"}})};
  std::deque<agent> agents;  // stable references
  std::optional<account> reviewer_account;

  fixture() { server.start(); }

  /// Registers an agent with this card content; returns it.
  agent& add(const std::string& name, const std::string& description = "an agent under test",
             const json& skills = json::array({{{"id", "echo"}, {"name", "Echo"}}}),
             const json& tags = json::array({"test"}),
             const std::vector<std::string>& protocols = {"a2a"}) {
    agents.emplace_back();
    agent& a = agents.back();
    auto card = a.card(name, protocols);
    card["description"] = description;
    card["skills"] = skills;
    card["tags"] = tags;
    auto res = a.register_at(server, a.sign(card));
    BOOST_REQUIRE_MESSAGE(res.status == 201, res.body);
    wait_events(a, 1);
    return a;
  }

  /// Polls the reputation until it shows `n` events (scoring runs after the
  /// answer to what caused it).
  void wait_events(const agent& a, int64_t n) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    json body;
    while (std::chrono::steady_clock::now() < until) {
      auto res = server.get("/api/v1/directory/" + a.id + "/reputation?limit=1");
      BOOST_REQUIRE_MESSAGE(res.status == 200, res.body);
      body = res.json();
      if (body["events"] == n)
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    BOOST_FAIL("expected " << n << " events, last answer " << body.dump());
  }

  /// 0.5 -> 0.8: the first heartbeat is credited.
  void beat(const agent& a, int64_t events_after) {
    auto res = a.heartbeat(server);
    BOOST_REQUIRE_MESSAGE(res.status == 200, res.body);
    wait_events(a, events_after);
  }

  const account& reviewer() {
    if (!reviewer_account)
      reviewer_account = sign_up(server, "reviewer@example.com", "Reviewer");
    return *reviewer_account;
  }

  void review(const agent& a, const account& who, int rating, int64_t events_after) {
    auto res = server.send("POST", "/api/v1/directory/" + a.id + "/reviews",
                           json{{"rating", rating}, {"text", "tried it"}}.dump(), who.auth());
    BOOST_REQUIRE_MESSAGE(res.status == 201 || res.status == 200, res.body);
    wait_events(a, events_after);
  }

  void deregister(const agent& a) {
    auto path = "/api/v1/agents/" + a.id;
    auto res = server.send("DELETE", path, "", a.sign_request("DELETE", path, ""));
    BOOST_REQUIRE_MESSAGE(res.status == 204, res.body);
  }

  json page(const std::string& query = "") {
    auto res = server.get("/api/v1/directory" + (query.empty() ? "" : "?" + query));
    BOOST_REQUIRE_MESSAGE(res.status == 200, query << " -> " << res.body);
    return res.json();
  }

  ids ids_of(const std::string& query = "") {
    ids out;
    auto body = page(query);  // kept: a range-for over page(query)["agents"] would dangle
    for (const auto& e : body["agents"])
      out.push_back(e["id"]);
    return out;
  }

  /// Every page of `query` with `limit`, following the tokens; each page is
  /// full but the last.
  ids walk(const std::string& query, int limit) {
    ids out;
    std::string token;
    for (int pages = 0; pages < 100; ++pages) {
      auto body = page(query + "&limit=" + std::to_string(limit) +
                       (token.empty() ? "" : "&page_token=" + url_encode(token)));
      for (const auto& e : body["agents"])
        out.push_back(e["id"]);
      if (body["next_page_token"].is_null())
        return out;
      BOOST_TEST(body["agents"].size() == static_cast<size_t>(limit));
      token = body["next_page_token"];
    }
    BOOST_FAIL("the walk did not end");
    return out;
  }

  /// A 400 whose message names `param`.
  void refused(const std::string& query, const std::string& param) {
    auto res = server.get("/api/v1/directory?" + query);
    BOOST_TEST(res.status == 400, query << " -> " << res.status);
    BOOST_TEST(res.error_code() == "invalid_request", query);
    BOOST_TEST(res.error_message().rfind(param + ":", 0) == 0,
               query << " -> " << res.error_message());
  }
};

ids sorted(ids v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(directory, fixture)

BOOST_AUTO_TEST_CASE(entries_show_the_public_fields) {
  auto& a = add("Report Reader", "Summarizes long PDF reports",
                {{{"id", "summarize"}, {"name", "Summarize documents"}, {"tags", {"nlp"}}}},
                {"reports"}, {"mcp", "a2a"});
  auto body = page();
  BOOST_REQUIRE_EQUAL(body["agents"].size(), 1u);
  BOOST_TEST(body["next_page_token"].is_null());
  const auto& e = body["agents"][0];
  BOOST_TEST(e["id"] == a.id);
  BOOST_TEST(e["name"] == "Report Reader");
  BOOST_TEST(e["description"] == "Summarizes long PDF reports");
  BOOST_TEST(e["protocols"] == json({"a2a", "mcp"}));
  BOOST_TEST(e["skills"] == json({"summarize"}));
  BOOST_TEST(e["tags"] == json({"nlp", "reports"}));
  BOOST_TEST(e["status"] == "online");
  BOOST_TEST(e["verified"] == false);
  BOOST_TEST(e["score"].get<double>() == 0.5);
  BOOST_TEST(e["tier"] == "normal");
  BOOST_TEST(e["trusted"] == false);
  BOOST_TEST(e["events"] == 1);
  BOOST_TEST(e["categories"] == json::array());
  BOOST_TEST(e["registered_at"].is_string());
  BOOST_TEST(!e.contains("owner_id"));
  BOOST_TEST(!e.contains("card"));
}

BOOST_AUTO_TEST_CASE(filters_by_skill_protocol_and_tag) {
  auto& a = add("Alpha", "first", {{{"id", "translate"}, {"name", "Translate"}}}, {"language"},
                {"a2a"});
  auto& b = add("Beta", "second", {{{"id", "summarize"}, {"name", "Summarize"}, {"tags", {"nlp"}}}},
                {"language"}, {"mcp"});
  auto& c = add("Gamma", "third", {{{"id", "translate"}, {"name", "Translate"}}}, {"finance"},
                {"mcp", "http"});
  BOOST_TEST(sorted(ids_of("skill=translate")) == sorted({a.id, c.id}));
  BOOST_TEST(ids_of("skill=summarize") == ids{b.id});
  BOOST_TEST(ids_of("skill=nothing").empty());
  BOOST_TEST(sorted(ids_of("protocol=mcp")) == sorted({b.id, c.id}));
  BOOST_TEST(ids_of("protocol=acp").empty());
  BOOST_TEST(sorted(ids_of("tag=language")) == sorted({a.id, b.id}));
  BOOST_TEST(ids_of("tag=nlp") == ids{b.id});  // a skill's tag counts
  BOOST_TEST(ids_of("tag=finance&protocol=http&skill=translate") == ids{c.id});
  BOOST_TEST(ids_of("tag=finance&protocol=a2a").empty());
  BOOST_TEST(ids_of("status=online").size() == 3u);
  BOOST_TEST(ids_of("status=offline").empty());
}

BOOST_AUTO_TEST_CASE(filters_by_status) {
  // A server of its own, where an agent lapses after two seconds.
  temp_dir dir2;
  test_database db2{dir2};
  server_process fast{dir2, db2,
                      {{"registry.heartbeat_interval", "1s"}, {"registry.offline_after", "2s"}}};
  fast.start();
  agent quiet, beating;
  BOOST_REQUIRE_EQUAL(quiet.register_at(fast, quiet.sign(quiet.card("Quiet"))).status, 201);
  BOOST_REQUIRE_EQUAL(beating.register_at(fast, beating.sign(beating.card("Beating"))).status, 201);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  ids offline;
  while (std::chrono::steady_clock::now() < until) {
    BOOST_REQUIRE_EQUAL(beating.heartbeat(fast).status, 200);
    auto res = fast.get("/api/v1/directory?status=offline");
    BOOST_REQUIRE_EQUAL(res.status, 200);
    offline.clear();
    auto body = res.json();
    for (const auto& e : body["agents"])
      offline.push_back(e["id"]);
    if (!offline.empty())
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  BOOST_TEST(offline == ids{quiet.id});
  auto online = fast.get("/api/v1/directory?status=online");
  BOOST_REQUIRE_EQUAL(online.status, 200);
  BOOST_REQUIRE_EQUAL(online.json()["agents"].size(), 1u);
  BOOST_TEST(online.json()["agents"][0]["id"] == beating.id);
  BOOST_TEST(online.json()["agents"][0]["status"] == "online");
}

BOOST_AUTO_TEST_CASE(min_score_keeps_exactly_the_agents_scoring_at_least_it) {
  auto& prior = add("Prior");            // 0.5
  auto& beaten = add("Beaten");          // heartbeat: 0.8, decaying from there
  auto& panned = add("Panned");          // one bad review: 0.425
  auto& praised = add("Praised");        // one good review: 0.575
  beat(beaten, 2);
  review(panned, reviewer(), 1, 2);
  review(praised, reviewer(), 5, 2);

  auto scores = page()["agents"];
  BOOST_REQUIRE_EQUAL(scores.size(), 4u);
  // Best first: the default sort is the score now.
  BOOST_TEST(scores[0]["id"] == beaten.id);
  BOOST_TEST(scores[1]["id"] == praised.id);
  BOOST_TEST(scores[2]["id"] == prior.id);
  BOOST_TEST(scores[3]["id"] == panned.id);
  BOOST_TEST(scores[0]["score"].get<double>() > 0.79);
  BOOST_TEST(scores[0]["score"].get<double>() <= 0.8);
  BOOST_TEST(scores[1]["score"].get<double>() == 0.575, boost::test_tools::tolerance(1e-6));
  BOOST_TEST(scores[3]["score"].get<double>() == 0.425, boost::test_tools::tolerance(1e-6));
  BOOST_TEST(scores[3]["tier"] == "normal");

  BOOST_TEST(ids_of("min_score=0").size() == 4u);
  BOOST_TEST(ids_of("min_score=0.45") == (ids{beaten.id, praised.id, prior.id}));
  // The prior exactly: agents that sit on it are in.
  BOOST_TEST(ids_of("min_score=0.5") == (ids{beaten.id, praised.id, prior.id}));
  BOOST_TEST(ids_of("min_score=0.51") == (ids{beaten.id, praised.id}));
  BOOST_TEST(ids_of("min_score=0.6") == ids{beaten.id});
  BOOST_TEST(ids_of("min_score=0.79") == ids{beaten.id});
  // 0.8 was reached and has decayed since, by a hair.
  BOOST_TEST(ids_of("min_score=0.8").empty());
  BOOST_TEST(ids_of("min_score=1").empty());
  BOOST_TEST(ids_of("min_score=0.5&sort=name") == (ids{beaten.id, praised.id, prior.id}));
}

BOOST_AUTO_TEST_CASE(every_sort_walks_its_pages_without_duplicates_or_gaps) {
  // Names repeat (ties break by id), scores differ and repeat (the prior).
  std::vector<std::string> names = {"mango", "apple", "Same", "kiwi",  "Same", "banana",
                                    "cherry", "Same", "date", "fig",   "apple"};
  std::vector<agent*> added;
  for (const auto& name : names)
    added.push_back(&add(name));
  int64_t events = 2;
  for (size_t i : {1u, 4u, 6u, 9u})
    beat(*added[i], events);

  auto full = page("limit=100")["agents"];
  BOOST_REQUIRE_EQUAL(full.size(), names.size());
  struct row {
    std::string id, name, registered_at;
    double score;
  };
  std::vector<row> rows;
  for (const auto& e : full)
    rows.push_back({e["id"], e["name"], e["registered_at"], e["score"]});
  auto order = [&](auto less) {
    std::sort(rows.begin(), rows.end(), less);
    ids out;
    for (const auto& r : rows)
      out.push_back(r.id);
    return out;
  };
  auto by_score = order([](const row& a, const row& b) {
    return a.score != b.score ? a.score > b.score : a.id < b.id;
  });
  auto by_name = order([](const row& a, const row& b) {
    return a.name != b.name ? a.name < b.name : a.id < b.id;
  });
  auto by_registration = order([](const row& a, const row& b) {
    return a.registered_at != b.registered_at ? a.registered_at > b.registered_at : a.id < b.id;
  });

  for (int limit : {1, 4, 11}) {
    BOOST_TEST(walk("sort=reputation", limit) == by_score, "limit " << limit);
    BOOST_TEST(walk("sort=name", limit) == by_name, "limit " << limit);
    BOOST_TEST(walk("sort=registered_at", limit) == by_registration, "limit " << limit);
  }
  // The default sort is reputation; a filter walks its own subset.
  BOOST_TEST(walk("protocol=a2a", 3) == by_score);
  ids same;
  for (const auto& id : by_name)
    if (std::any_of(rows.begin(), rows.end(),
                    [&](const row& r) { return r.id == id && r.name == "Same"; }))
      same.push_back(id);
  BOOST_TEST(same.size() == 3u);
  BOOST_TEST(walk("q=Same&sort=name", 1) == same);
  // A search walks in every sort too (on PostgreSQL a page the walk fills
  // comes from the walk, the last one from collecting the matches).
  auto only_same = [&](const ids& all) {
    ids out;
    for (const auto& id : all)
      if (std::find(same.begin(), same.end(), id) != same.end())
        out.push_back(id);
    return out;
  };
  for (int limit : {1, 2}) {
    BOOST_TEST(walk("q=Same", limit) == only_same(by_score), "limit " << limit);
    BOOST_TEST(walk("q=Same&sort=registered_at", limit) == only_same(by_registration),
               "limit " << limit);
  }
}

BOOST_AUTO_TEST_CASE(pages_stay_stable_while_agents_come_and_go) {
  std::vector<agent*> initial;
  for (int i = 1; i <= 9; ++i)
    initial.push_back(&add("b0" + std::to_string(i)));

  // By name: what was served stays served, what is gone is not served, what
  // arrives before the cursor is not served, what arrives after it is.
  auto first = page("sort=name&limit=3");
  ids seen;
  for (const auto& e : first["agents"])
    seen.push_back(e["id"]);
  BOOST_REQUIRE(seen == (ids{initial[0]->id, initial[1]->id, initial[2]->id}));
  add("a-new");
  auto& late = add("z-new");
  deregister(*initial[4]);  // b05, not served yet
  deregister(*initial[1]);  // b02, served already
  std::string token = first["next_page_token"];
  while (!token.empty()) {
    auto body = page("sort=name&limit=3&page_token=" + url_encode(token));
    for (const auto& e : body["agents"])
      seen.push_back(e["id"]);
    token = body["next_page_token"].is_null() ? "" : body["next_page_token"].get<std::string>();
    if (!token.empty())
      add("c-between-" + std::to_string(seen.size()));  // after b0x: served on a later page
  }
  BOOST_TEST(seen.size() == std::set<std::string>(seen.begin(), seen.end()).size());
  ids expected_start = {initial[0]->id, initial[1]->id, initial[2]->id, initial[3]->id,
                        initial[5]->id, initial[6]->id};
  BOOST_REQUIRE(seen.size() >= expected_start.size() + 3);
  BOOST_TEST(ids(seen.begin(), seen.begin() + 6) == expected_start);
  BOOST_TEST(seen[6] == initial[7]->id);
  BOOST_TEST(seen[7] == initial[8]->id);
  BOOST_TEST(seen.back() == late.id);

  // By reputation, everyone at the prior: id order; an agent that arrives
  // below the cursor's id is not served, one above it is, and one that goes
  // before it was reached is not.
  auto before = ids_of("limit=100");
  BOOST_REQUIRE(before.size() > 5u);
  BOOST_REQUIRE(std::is_sorted(before.begin(), before.end()));
  auto rep_first = page("limit=4");
  ids rep_seen;
  for (const auto& e : rep_first["agents"])
    rep_seen.push_back(e["id"]);
  BOOST_REQUIRE(rep_seen == ids(before.begin(), before.begin() + 4));
  std::set<std::string> added_later;
  for (int i = 0; i < 4; ++i)
    added_later.insert(add("d-late-" + std::to_string(i)).id);
  auto gone = std::find_if(agents.begin(), agents.end(),
                           [&](const agent& a) { return a.id == before.back(); });
  BOOST_REQUIRE(gone != agents.end());
  deregister(*gone);
  std::string rep_token = rep_first["next_page_token"];
  while (!rep_token.empty()) {
    auto body = page("limit=4&page_token=" + url_encode(rep_token));
    for (const auto& e : body["agents"])
      rep_seen.push_back(e["id"]);
    rep_token =
        body["next_page_token"].is_null() ? "" : body["next_page_token"].get<std::string>();
  }
  ids expected(before.begin(), before.end() - 1);
  for (const auto& id : added_later)
    if (id > rep_seen[3])
      expected.push_back(id);
  std::sort(expected.begin() + 4, expected.end());
  BOOST_TEST(rep_seen == expected);
}

BOOST_AUTO_TEST_CASE(full_text_search_finds_names_descriptions_skills_and_tags) {
  auto& translator = add("Quillmaster Translator", "Renders legal contracts into plain German",
                         {{{"id", "translate-text"}, {"name", "Translate documents"}}},
                         {"linguistics"});
  auto& ledger = add("Ledger Bot", "Reconciles invoices every night",
                     {{{"id", "reconcile"}, {"name", "Balance ledgers"}}}, {"finance"});
  auto& weather = add("Weather Oracle", "Forecasts rain and sunshine",
                      {{{"id", "forecast"}, {"name", "Forecast weather"}}}, {"meteorology"});

  BOOST_TEST(ids_of("q=Quillmaster") == ids{translator.id});           // a name word
  BOOST_TEST(ids_of("q=invoices") == ids{ledger.id});                  // a description word
  BOOST_TEST(ids_of("q=reconcile") == ids{ledger.id});                 // a skill id
  BOOST_TEST(ids_of("q=translate-text") == ids{translator.id});        // a skill id, hyphenated
  BOOST_TEST(ids_of("q=documents") == ids{translator.id});             // a skill name word
  BOOST_TEST(ids_of("q=meteorology") == ids{weather.id});              // a tag
  BOOST_TEST(ids_of("q=LEDGER") == ids{ledger.id});                    // any case
  BOOST_TEST(ids_of("q=" + url_encode("legal german")) == ids{translator.id});  // all words
  BOOST_TEST(ids_of("q=" + url_encode("legal rain")).empty());
  BOOST_TEST(ids_of("q=zzzznothing").empty());
  BOOST_TEST(ids_of("q=rain&tag=finance").empty());
  BOOST_TEST(ids_of("q=rain&sort=name&min_score=0.5") == ids{weather.id});

  // Search syntax is never syntax: every one of these is words, or nothing.
  for (std::string q : {"invoices\"", "\"invoices", "invoices OR rain", "rain*", "NEAR(rain sunshine)",
                        "body:rain", "rain AND", "^rain", "'; DROP TABLE agents; --",
                        "rain\" OR \"x", "-rain", "r\xC3\xA9sum\xC3\xA9 \xE6\x97\xA5"}) {
    auto res = server.get("/api/v1/directory?q=" + url_encode(q));
    BOOST_TEST(res.status == 200, q << " -> " << res.body);
  }
  BOOST_TEST(ids_of("q=" + url_encode("invoices\"")) == ids{ledger.id});
  BOOST_TEST(ids_of("q=" + url_encode("rain*")) == ids{weather.id});
  BOOST_TEST(ids_of("q=" + url_encode("invoices OR rain")).empty());  // OR is a word to find
  BOOST_TEST(ids_of("q=" + url_encode("NEAR(rain sunshine)")).empty());
  BOOST_TEST(ids_of("q=" + url_encode("body:rain")).empty());  // "body" is a word too
  BOOST_TEST(ids_of().size() == 3u);                            // nothing was dropped
  refused("q=" + url_encode("\"*()"), "q");
  refused("q=", "q");

  // The text index follows card updates and deregistration.
  auto card = ledger.card("Ledger Bot");
  card["description"] = "Audits expenses";
  auto body = ledger.sign(card).dump();
  auto path = "/api/v1/agents/" + ledger.id;
  auto updated = server.send("PUT", path, body, ledger.sign_request("PUT", path, body));
  BOOST_REQUIRE_MESSAGE(updated.status == 200, updated.body);
  BOOST_TEST(ids_of("q=invoices").empty());
  BOOST_TEST(ids_of("q=expenses") == ids{ledger.id});
  deregister(weather);
  BOOST_TEST(ids_of("q=rain").empty());
}

BOOST_AUTO_TEST_CASE(bad_parameters_are_refused_naming_them) {
  add("Someone");
  refused("protocol=smtp", "protocol");
  refused("status=busy", "status");
  refused("verified=yes", "verified");
  refused("min_score=2", "min_score");
  refused("min_score=-0.5", "min_score");
  refused("min_score=high", "min_score");
  refused("sort=score", "sort");
  refused("limit=0", "limit");
  refused("limit=101", "limit");
  refused("limit=x", "limit");
  refused("q=" + std::string(201, 'a'), "q");
  refused("skill=" + std::string(129, 's'), "skill");
  refused("tag=%01", "tag");
  refused("category=", "category");
  refused("page_token=garbage", "page_token");
  refused("page_token=" + url_encode(std::string(3000, 'A')), "page_token");
  refused("colour=red", "colour");
  refused("skill=a&skill=b", "skill");
  refused("q=%FF", "q");

  add("Someone else");
  auto first = page("sort=name&limit=1");
  std::string token = first["next_page_token"];
  refused("sort=reputation&page_token=" + url_encode(token), "page_token");
  refused("page_token=" + url_encode(token), "page_token");  // the default sort is reputation
  BOOST_TEST(page("sort=name&limit=1&page_token=" + url_encode(token))["agents"].size() == 1u);
}

BOOST_AUTO_TEST_CASE(the_profile_shows_score_reviews_categories_and_the_signed_card) {
  auto owner = sign_up(server, "owner@example.com", "Owner");
  auto admin = make_admin(dir, server, "root@example.com");
  agent a;
  register_and_claim(server, a, owner);
  wait_events(a, 1);
  auto unknown = agent();
  BOOST_TEST(server.get("/api/v1/directory/" + unknown.id).status == 404);
  BOOST_TEST(server.get("/api/v1/directory/not-an-id").status == 404);
  BOOST_TEST(server.get("/api/v1/directory/" + a.id + "?x=1").status == 400);

  auto res = server.get("/api/v1/directory/" + a.id);
  BOOST_REQUIRE_MESSAGE(res.status == 200, res.body);
  auto p = res.json();
  BOOST_TEST(p["id"] == a.id);
  BOOST_TEST(p["name"] == "Test agent");
  BOOST_TEST(p["status"] == "online");
  BOOST_TEST(p["verified"] == false);
  BOOST_TEST(p["verified_at"].is_null());
  BOOST_TEST(p["score"].get<double>() == 0.5);
  BOOST_TEST(p["tier"] == "normal");
  BOOST_TEST(p["trusted"] == false);
  BOOST_TEST(p["events"] == 1);
  BOOST_TEST(p["categories"] == json::array());
  BOOST_TEST(p["reviews"]["count"] == 0);
  BOOST_TEST(p["reviews"]["average"].get<double>() == 0);
  BOOST_TEST(p["reviews"]["distribution"] ==
             json({{"1", 0}, {"2", 0}, {"3", 0}, {"4", 0}, {"5", 0}}));
  BOOST_TEST(p["registered_at"].is_string());
  BOOST_TEST(p["last_seen"].is_string());
  BOOST_TEST(!p.contains("owner_id"));
  // The card as the agent signed it.
  BOOST_TEST(p["card"] == a.sign(a.card()));  // Ed25519 signing is deterministic

  // Reviews, a category and verification, each shown.
  auto second = sign_up(server, "second@example.com", "Second");
  review(a, reviewer(), 5, 2);
  review(a, second, 2, 3);
  auto cat = server.send("POST", "/api/v1/admin/categories",
                         json{{"id", "finance"}, {"name", "Finance"}}.dump(), admin.auth());
  BOOST_REQUIRE_MESSAGE(cat.status == 201, cat.body);
  auto assigned = server.send("PUT", "/api/v1/provider/agents/" + a.id + "/categories",
                              json{{"categories", {"finance"}}}.dump(), owner.auth());
  BOOST_REQUIRE_MESSAGE(assigned.status == 200, assigned.body);
  auto verified = server.send("POST", "/api/v1/admin/agents/" + a.id + "/verify", "",
                              admin.auth());
  BOOST_REQUIRE_MESSAGE(verified.status == 200, verified.body);

  p = server.get("/api/v1/directory/" + a.id).json();
  BOOST_TEST(p["reviews"]["count"] == 2);
  BOOST_TEST(p["reviews"]["average"].get<double>() == 3.5);
  BOOST_TEST(p["reviews"]["distribution"] ==
             json({{"1", 0}, {"2", 1}, {"3", 0}, {"4", 0}, {"5", 1}}));
  BOOST_TEST(p["categories"] == json({"finance"}));
  BOOST_TEST(p["verified"] == true);
  BOOST_TEST(p["verified_at"].is_string());
  BOOST_TEST(p["events"] == 3);
  // 0.5, then +0.15 of the way to 1, then -0.15 of the way to 0.
  BOOST_TEST(p["score"].get<double>() == 0.575 * 0.85, boost::test_tools::tolerance(1e-6));
  BOOST_TEST(p["trusted"] == false);  // verified, enough events, but below 0.8
}

BOOST_AUTO_TEST_CASE(verified_and_category_filters_and_the_trusted_badge) {
  auto owner = sign_up(server, "owner@example.com", "Owner");
  auto admin = make_admin(dir, server, "root@example.com");
  agent star;
  register_and_claim(server, star, owner);
  wait_events(star, 1);
  auto& plain = add("Plain");
  auto& idle = add("Idle");
  beat(star, 2);
  review(star, reviewer(), 5, 3);  // 0.8 -> 0.83
  beat(plain, 2);

  for (auto cat : {"finance", "travel"}) {
    auto res = server.send("POST", "/api/v1/admin/categories",
                           json{{"id", cat}, {"name", cat}}.dump(), admin.auth());
    BOOST_REQUIRE_MESSAGE(res.status == 201, res.body);
  }
  auto assigned = server.send("PUT", "/api/v1/provider/agents/" + star.id + "/categories",
                              json{{"categories", {"travel", "finance"}}}.dump(), owner.auth());
  BOOST_REQUIRE_MESSAGE(assigned.status == 200, assigned.body);
  auto verified = server.send("POST", "/api/v1/admin/agents/" + star.id + "/verify", "",
                              admin.auth());
  BOOST_REQUIRE_MESSAGE(verified.status == 200, verified.body);

  BOOST_TEST(ids_of("verified=true") == ids{star.id});
  BOOST_TEST(ids_of("verified=false") == (ids{plain.id, idle.id}));  // by score
  BOOST_TEST(ids_of("category=finance") == ids{star.id});
  BOOST_TEST(ids_of("category=travel&verified=true&min_score=0.8") == ids{star.id});
  BOOST_TEST(ids_of("category=food").empty());

  auto top = page("limit=1")["agents"][0];
  BOOST_TEST(top["id"] == star.id);
  BOOST_TEST(top["verified"] == true);
  BOOST_TEST(top["categories"] == json({"finance", "travel"}));
  BOOST_TEST(top["tier"] == "high");
  BOOST_TEST(top["trusted"] == true);  // verified, >= 0.8, 3 events
  BOOST_TEST(top["events"] == 3);
  auto second = page("verified=false&limit=1")["agents"][0];
  BOOST_TEST(second["id"] == plain.id);
  BOOST_TEST(second["trusted"] == false);  // unverified, whatever its score

  // Taking verification back takes the badge with it.
  auto revoked = server.send("DELETE", "/api/v1/admin/agents/" + star.id + "/verify", "",
                             admin.auth());
  BOOST_REQUIRE_MESSAGE(revoked.status == 200, revoked.body);
  BOOST_TEST(ids_of("verified=true").empty());
  BOOST_TEST(page("limit=1")["agents"][0]["trusted"] == false);
}

BOOST_AUTO_TEST_SUITE_END()
