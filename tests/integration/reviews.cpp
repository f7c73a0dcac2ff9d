// Reviews through a real tesserad: one per user and agent (posting again
// replaces it), never by the agent's owner, paged newest first, summarized,
// deleted by their author or an admin, and feeding the agent's reputation
// once per opinion.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <set>
#include <thread>

#include "support.hpp"

using namespace tessera::test;
using nlohmann::json;

namespace {

struct fixture {
  temp_dir dir;
  test_database db{dir};
  server_process server{dir, db, account_settings(dir)};
  int users = 0;
  fixture() { server.start(); }

  account user(const std::string& name) {
    return sign_up(server, name + std::to_string(++users) + "@example.com", name);
  }
  /// A registered agent nobody owns.
  agent fresh_agent() {
    agent a;
    auto res = a.register_at(server, a.sign(a.card("Reviewed")));
    BOOST_REQUIRE_MESSAGE(res.status == 201, res.body);
    return a;
  }
  std::string reviews_path(const agent& a, const std::string& suffix = "") {
    return "/api/v1/directory/" + a.id + "/reviews" + suffix;
  }
  http_result post(const agent& a, const account& who, const json& body) {
    return server.send("POST", reviews_path(a), body.dump(), who.auth());
  }
  json post_ok(const agent& a, const account& who, int rating, const std::string& text = "") {
    auto res = post(a, who, {{"rating", rating}, {"text", text}});
    BOOST_REQUIRE_MESSAGE(res.status == 201 || res.status == 200, res.body);
    return res.json();
  }
  http_result remove_own(const agent& a, const account& who) {
    return server.send("DELETE", reviews_path(a), "", who.auth());
  }
  json list(const agent& a, const std::string& query = "") {
    auto res = server.get(reviews_path(a, query));
    BOOST_REQUIRE_MESSAGE(res.status == 200, res.body);
    return res.json();
  }
  json summary(const agent& a) {
    auto res = server.get(reviews_path(a, "/summary"));
    BOOST_REQUIRE_MESSAGE(res.status == 200, res.body);
    return res.json();
  }

  /// The review events in the agent's reputation log, oldest first.
  std::vector<std::string> review_events(const agent& a) {
    auto res = server.get("/api/v1/directory/" + a.id + "/reputation?limit=200");
    BOOST_REQUIRE_MESSAGE(res.status == 200, res.body);
    auto body = res.json();
    std::vector<std::string> out;
    for (const auto& e : body["history"])
      if (e["kind"].get<std::string>().rfind("review_", 0) == 0)
        out.insert(out.begin(), e["kind"].get<std::string>());
    return out;
  }
  /// Polls until the log holds `n` review events (crediting runs after the
  /// answer), then returns them.
  std::vector<std::string> wait_for_review_events(const agent& a, size_t n) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::vector<std::string> events;
    while (std::chrono::steady_clock::now() < until) {
      events = review_events(a);
      if (events.size() >= n)
        return events;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    BOOST_FAIL("expected " << n << " review events, got " << events.size() << "; reputation: "
                           << server.get("/api/v1/directory/" + a.id + "/reputation").body
                           << "\nserver log:\n"
                           << server.log());
    return events;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(reviews, fixture)

BOOST_AUTO_TEST_CASE(one_review_per_user_and_agent_posting_again_replaces_it) {
  auto bob = sign_up(server, "bob@example.com", "Bob");
  auto a = fresh_agent();
  auto first = post(a, bob, {{"rating", 5}, {"text", "Great\nagent"}});
  BOOST_REQUIRE_MESSAGE(first.status == 201, first.body);
  auto created = first.json();
  BOOST_TEST(created["id"].get<std::string>().rfind("rev_", 0) == 0u);
  BOOST_TEST(created["rating"] == 5);
  BOOST_TEST(created["text"] == "Great\nagent");
  BOOST_TEST(created["author"] == "Bob");
  BOOST_TEST(created["agent_id"] == a.id);
  BOOST_TEST(first.body.find("bob@example.com") == std::string::npos);
  BOOST_TEST(first.body.find(bob.id) == std::string::npos);

  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto second = post(a, bob, {{"rating", 2}, {"text", "Changed my mind"}});
  BOOST_REQUIRE_MESSAGE(second.status == 200, second.body);
  auto replaced = second.json();
  BOOST_TEST(replaced["id"] == created["id"]);
  BOOST_TEST(replaced["created_at"] == created["created_at"]);
  BOOST_TEST(replaced["updated_at"] != created["updated_at"]);
  BOOST_TEST(replaced["rating"] == 2);

  auto page = list(a);
  BOOST_REQUIRE_EQUAL(page["reviews"].size(), 1u);
  BOOST_TEST(page["reviews"][0]["text"] == "Changed my mind");
  BOOST_TEST(page["next_page_token"].is_null());
  BOOST_TEST(summary(a)["count"] == 1);
}

BOOST_AUTO_TEST_CASE(owners_cant_review_their_own_agents_nor_anyone_a_missing_one) {
  auto alice = sign_up(server, "alice@example.com", "Alice");
  agent mine;
  register_and_claim(server, mine, alice);
  auto own = post(mine, alice, {{"rating", 5}});
  BOOST_TEST(own.status == 403);
  BOOST_TEST(own.error_message() == "you can't review your own agent");
  BOOST_TEST(list(mine)["reviews"].empty());

  agent never_registered;
  BOOST_TEST(post(never_registered, alice, {{"rating", 4}}).status == 404);
  BOOST_TEST(server.get(reviews_path(never_registered)).status == 404);
  BOOST_TEST(server.get(reviews_path(never_registered, "/summary")).status == 404);
  BOOST_TEST(
      server.send("POST", "/api/v1/directory/not-an-agent/reviews", R"({"rating":4})", alice.auth())
          .status == 404);
  // Without credentials: 401.
  BOOST_TEST(server.send("POST", reviews_path(mine), R"({"rating":4})", {}).status == 401);
}

BOOST_AUTO_TEST_CASE(review_input_is_checked_naming_the_field) {
  auto bob = sign_up(server, "bob@example.com", "Bob");
  auto a = fresh_agent();
  auto expect_400 = [&](const std::string& body, const std::string& prefix) {
    auto res = server.send("POST", reviews_path(a), body, bob.auth());
    BOOST_TEST(res.status == 400, body << " -> " << res.body);
    BOOST_TEST(res.error_message().rfind(prefix, 0) == 0u, res.error_message());
  };
  expect_400(R"({})", "rating:");
  expect_400(R"({"rating":0})", "rating:");
  expect_400(R"({"rating":6})", "rating:");
  expect_400(R"({"rating":4.5})", "rating:");
  expect_400(R"({"rating":"5"})", "rating:");
  expect_400(R"({"rating":5,"text":7})", "text:");
  expect_400(json{{"rating", 5}, {"text", std::string(2001, 't')}}.dump(), "text:");
  expect_400(R"({"rating":5,"text":"bell\u0007"})", "text:");
  expect_400(R"({"rating":5,"title":"x"})", "title: unknown field");
  BOOST_TEST(list(a)["reviews"].empty());
  // 2000 characters of two bytes each are within the limit.
  std::string accents;
  for (int i = 0; i < 2000; ++i)
    accents += "\xC3\xA9";
  auto res = post(a, bob, {{"rating", 3}, {"text", accents}});
  BOOST_TEST(res.status == 201, res.body);
}

BOOST_AUTO_TEST_CASE(reviews_feed_the_agents_reputation_once_per_opinion) {
  auto bob = user("Bob");
  auto carol = user("Carol");
  auto dave = user("Dave");
  auto a = fresh_agent();

  post_ok(a, bob, 5);  // new, positive
  BOOST_TEST(wait_for_review_events(a, 1) == std::vector<std::string>{"review_positive"});

  post_ok(a, bob, 4);    // same class again: nothing
  post_ok(a, bob, 5);    // nor this
  post_ok(a, carol, 3);  // neutral: nothing
  post_ok(a, dave, 1);   // new, negative
  // Credits are applied in order, so anything the re-posts credited would
  // show before Dave's.
  BOOST_TEST(wait_for_review_events(a, 2) ==
             (std::vector<std::string>{"review_positive", "review_negative"}));

  post_ok(a, bob, 2);  // a change of class counts once, as the new class
  post_ok(a, bob, 1);  // still negative: nothing
  BOOST_REQUIRE_EQUAL(remove_own(a, dave).status, 204);  // deleting credits nothing
  post_ok(a, carol, 4);                                  // neutral to positive
  BOOST_TEST(wait_for_review_events(a, 4) ==
             (std::vector<std::string>{"review_positive", "review_negative", "review_negative",
                                       "review_positive"}));
  // Neither a detour through neutral nor deleting and posting again credits
  // the same opinion twice.
  post_ok(a, carol, 3);
  post_ok(a, carol, 5);
  BOOST_REQUIRE_EQUAL(remove_own(a, bob).status, 204);
  BOOST_TEST(remove_own(a, bob).status == 404);  // gone for its author too
  auto again = post(a, bob, {{"rating", 1}, {"text", ""}});
  BOOST_TEST(again.status == 201, again.body);  // a new review again, same opinion
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  BOOST_TEST(review_events(a).size() == 4u);
  post_ok(a, bob, 5);  // but a turned-around opinion does count
  BOOST_TEST(wait_for_review_events(a, 5).back() == "review_positive");
}

BOOST_AUTO_TEST_CASE(concurrent_posts_by_one_user_credit_one_event) {
  auto bob = user("Bob");
  auto a = fresh_agent();
  std::vector<int> statuses(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < statuses.size(); ++i)
    threads.emplace_back([&, i] { statuses[i] = post(a, bob, {{"rating", 5}}).status; });
  for (auto& t : threads)
    t.join();
  for (int status : statuses)
    BOOST_TEST((status == 201 || status == 200), status);
  BOOST_TEST(wait_for_review_events(a, 1) == std::vector<std::string>{"review_positive"});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  BOOST_TEST(review_events(a).size() == 1u);
  BOOST_TEST(list(a)["reviews"].size() == 1u);
}

BOOST_AUTO_TEST_CASE(pages_walk_newest_first_without_duplicates_and_the_summary_counts) {
  auto a = fresh_agent();
  auto empty = summary(a);
  BOOST_TEST(empty["count"] == 0);
  BOOST_TEST(empty["average"] == 0.0);
  BOOST_TEST(empty["distribution"] == (json{{"1", 0}, {"2", 0}, {"3", 0}, {"4", 0}, {"5", 0}}));

  std::vector<int> ratings = {5, 5, 4, 3, 1, 1, 2};
  std::set<std::string> posted;
  for (int r : ratings)
    posted.insert(post_ok(a, user("Rater"), r)["id"].get<std::string>());
  BOOST_REQUIRE_EQUAL(posted.size(), ratings.size());

  std::set<std::string> seen;
  std::string token;
  std::string last_updated = "9999";
  size_t pages = 0;
  do {
    auto page = list(a, "?limit=3" + (token.empty() ? "" : "&page_token=" + token));
    ++pages;
    BOOST_REQUIRE(page["reviews"].size() <= 3u);
    for (const auto& r : page["reviews"]) {
      BOOST_TEST(seen.insert(r["id"].get<std::string>()).second, "duplicate " << r["id"]);
      auto updated = r["updated_at"].get<std::string>();
      BOOST_TEST((updated <= last_updated),
                 updated << " after " << last_updated);  // RFC 3339 UTC sorts as text
      last_updated = updated;
    }
    token = page["next_page_token"].is_null() ? "" : page["next_page_token"].get<std::string>();
  } while (!token.empty() && pages < 10);
  BOOST_TEST(pages == 3u);
  BOOST_TEST((seen == posted));

  auto s = summary(a);
  BOOST_TEST(s["count"] == 7);
  BOOST_TEST(s["average"].get<double>() == 3.0);
  BOOST_TEST(s["distribution"] == (json{{"1", 2}, {"2", 1}, {"3", 1}, {"4", 1}, {"5", 2}}));

  BOOST_TEST(server.get(reviews_path(a, "?limit=0")).status == 400);
  BOOST_TEST(server.get(reviews_path(a, "?limit=101")).status == 400);
  BOOST_TEST(server.get(reviews_path(a, "?page_token=bogus")).status == 400);
  BOOST_TEST(server.get(reviews_path(a, "?sort=rating")).status == 400);
}

BOOST_AUTO_TEST_CASE(authors_delete_their_own_review_and_admins_moderate) {
  auto bob = user("Bob");
  auto carol = user("Carol");
  auto admin = make_admin(dir, server, "root@example.com");
  auto a = fresh_agent();
  post_ok(a, bob, 5, "bob's");
  auto carols = post_ok(a, carol, 1, "carol's");

  BOOST_TEST(remove_own(a, bob).status == 204);
  auto page = list(a);
  BOOST_REQUIRE_EQUAL(page["reviews"].size(), 1u);
  BOOST_TEST(page["reviews"][0]["text"] == "carol's");
  // Bob has no review left, and can't reach Carol's through this route.
  auto again = remove_own(a, bob);
  BOOST_TEST(again.status == 404);
  BOOST_TEST(list(a)["reviews"].size() == 1u);
  // Nor can a user use the admin route.
  BOOST_TEST(server
                 .send("DELETE", "/api/v1/admin/reviews/" + carols["id"].get<std::string>(), "",
                       bob.auth())
                 .status == 403);

  auto moderated = server.send("DELETE", "/api/v1/admin/reviews/" + carols["id"].get<std::string>(),
                               "", admin.auth());
  BOOST_TEST(moderated.status == 204, moderated.body);
  BOOST_TEST(list(a)["reviews"].empty());
  BOOST_TEST(summary(a)["count"] == 0);
  BOOST_TEST(server
                 .send("DELETE", "/api/v1/admin/reviews/" + carols["id"].get<std::string>(), "",
                       admin.auth())
                 .status == 404);
  BOOST_TEST(server.send("DELETE", "/api/v1/admin/reviews/not-a-review", "", admin.auth()).status ==
             404);
  BOOST_TEST(wait_for_audit(dir, "review_removed"));
  auto entries = audit_entries(dir);
  bool found = false;
  for (const auto& e : entries)
    if (e.value("action", "") == "review_removed")
      found = e["target"] == carols["id"] && e["detail"]["agent_id"] == a.id;
  BOOST_TEST(found);
}

BOOST_AUTO_TEST_CASE(a_deleted_users_reviews_go_with_them) {
  auto bob = user("Bob");
  auto admin = make_admin(dir, server, "root@example.com");
  auto a = fresh_agent();
  post_ok(a, bob, 4);
  BOOST_REQUIRE_EQUAL(summary(a)["count"], 1);
  auto gone = server.send("DELETE", "/api/v1/admin/users/" + bob.id, "", admin.auth());
  BOOST_REQUIRE_MESSAGE(gone.status == 204, gone.body);
  BOOST_TEST(list(a)["reviews"].empty());
  BOOST_TEST(summary(a)["count"] == 0);
}

BOOST_AUTO_TEST_SUITE_END()
