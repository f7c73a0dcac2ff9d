// Reports through a real tesserad: users report agents and reviews that
// exist, a bounded number at a time; admins list them by status, page through
// them, resolve and delete them; every step is audited.
#include <boost/test/unit_test.hpp>

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
  account admin, bob;
  fixture() {
    server.start();
    admin = make_admin(dir, server, "root@example.com");
    bob = sign_up(server, "bob@example.com", "Bob");
  }

  agent fresh_agent() {
    agent a;
    auto res = a.register_at(server, a.sign(a.card("Reported")));
    BOOST_REQUIRE_MESSAGE(res.status == 201, res.body);
    return a;
  }
  http_result file(const account& who, const json& body) {
    return server.send("POST", "/api/v1/reports", body.dump(), who.auth());
  }
  json file_ok(const account& who, const std::string& kind, const std::string& id,
               const std::string& reason = "spam") {
    auto res = file(who, {{"target_kind", kind}, {"target_id", id}, {"reason", reason}});
    BOOST_REQUIRE_MESSAGE(res.status == 201, res.body);
    return res.json();
  }
  json admin_list(const std::string& query = "") {
    auto res = server.get("/api/v1/admin/reports" + query, admin.auth());
    BOOST_REQUIRE_MESSAGE(res.status == 200, res.body);
    return res.json();
  }
  http_result resolve(const std::string& id, const json& body) {
    return server.send("PUT", "/api/v1/admin/reports/" + id, body.dump(), admin.auth());
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(reports, fixture)

BOOST_AUTO_TEST_CASE(a_report_is_filed_listed_resolved_and_deleted) {
  auto carol = sign_up(server, "carol@example.com", "Carol");
  auto a = fresh_agent();
  auto review = server.send("POST", "/api/v1/directory/" + a.id + "/reviews",
                            R"({"rating":1,"text":"rubbish"})", carol.auth());
  BOOST_REQUIRE_MESSAGE(review.status == 201, review.body);
  auto review_id = review.json()["id"].get<std::string>();

  auto res = file(bob, {{"target_kind", "agent"},
                        {"target_id", a.id},
                        {"reason", "impersonation"},
                        {"details", "Pretends to be\nsomeone else"}});
  BOOST_REQUIRE_MESSAGE(res.status == 201, res.body);
  auto on_agent = res.json();
  BOOST_TEST(on_agent["id"].get<std::string>().rfind("rep_", 0) == 0u);
  BOOST_TEST(on_agent["status"] == "open");
  BOOST_TEST(on_agent["reporter_id"] == bob.id);
  BOOST_TEST(on_agent["details"] == "Pretends to be\nsomeone else");
  BOOST_TEST(on_agent["resolved_by"].is_null());
  auto on_review = file_ok(bob, "review", review_id, "abuse");

  auto all = admin_list();
  BOOST_REQUIRE_EQUAL(all["reports"].size(), 2u);
  BOOST_TEST(all["reports"][0]["id"] == on_review["id"]);  // newest first
  BOOST_TEST(all["next_page_token"].is_null());
  BOOST_TEST(admin_list("?status=open")["reports"].size() == 2u);

  auto id = on_agent["id"].get<std::string>();
  auto one = server.get("/api/v1/admin/reports/" + id, admin.auth());
  BOOST_REQUIRE_EQUAL(one.status, 200);
  BOOST_TEST(one.json()["reason"] == "impersonation");

  auto resolved = resolve(id, {{"status", "dismissed"}, {"note", "It is the real one"}});
  BOOST_REQUIRE_MESSAGE(resolved.status == 200, resolved.body);
  BOOST_TEST(resolved.json()["status"] == "dismissed");
  BOOST_TEST(resolved.json()["note"] == "It is the real one");
  BOOST_TEST(resolved.json()["resolved_by"] == admin.id);
  auto open = admin_list("?status=open")["reports"];
  BOOST_REQUIRE_EQUAL(open.size(), 1u);
  BOOST_TEST(open[0]["id"] == on_review["id"]);
  auto dismissed = admin_list("?status=dismissed")["reports"];
  BOOST_REQUIRE_EQUAL(dismissed.size(), 1u);
  BOOST_TEST(dismissed[0]["id"] == id);
  BOOST_TEST(admin_list("?status=actioned")["reports"].empty());

  // Nobody reopens a report, and statuses are checked.
  BOOST_TEST(resolve(id, {{"status", "open"}}).status == 400);
  BOOST_TEST(resolve(id, {{"status", "closed"}}).error_message().rfind("status:", 0) == 0u);
  BOOST_TEST(resolve(id, {{"note", "no status"}}).error_message() == "status: required");
  BOOST_TEST(server.get("/api/v1/admin/reports?status=closed", admin.auth()).status == 400);

  BOOST_TEST(server.send("DELETE", "/api/v1/admin/reports/" + id, "", admin.auth()).status == 204);
  BOOST_TEST(server.get("/api/v1/admin/reports/" + id, admin.auth()).status == 404);
  BOOST_TEST(server.send("DELETE", "/api/v1/admin/reports/" + id, "", admin.auth()).status == 404);
  BOOST_TEST(resolve(id, {{"status", "reviewed"}}).status == 404);
  BOOST_TEST(server.get("/api/v1/admin/reports/not-a-report", admin.auth()).status == 404);
  BOOST_TEST(admin_list()["reports"].size() == 1u);

  // Users don't see the admin side.
  BOOST_TEST(server.get("/api/v1/admin/reports", bob.auth()).status == 403);

  BOOST_TEST(wait_for_audit(dir, "report_filed", 2));
  BOOST_TEST(wait_for_audit(dir, "report_resolved"));
  BOOST_TEST(wait_for_audit(dir, "report_deleted"));
  for (const auto& e : audit_entries(dir))
    if (e.value("action", "") == "report_resolved") {
      BOOST_TEST(e["target"] == id);
      BOOST_TEST(e["actor"] == admin.id);
      BOOST_TEST(e["detail"]["to"] == "dismissed");
    }
}

BOOST_AUTO_TEST_CASE(report_input_is_checked_and_targets_must_exist) {
  auto a = fresh_agent();
  auto expect = [&](const json& body, int status, const std::string& prefix) {
    auto res = file(bob, body);
    BOOST_TEST(res.status == status, body.dump() << " -> " << res.body);
    BOOST_TEST(res.error_message().rfind(prefix, 0) == 0u, res.error_message());
    return res;
  };
  expect({{"target_id", a.id}, {"reason", "spam"}}, 400, "target_kind: required");
  expect({{"target_kind", "user"}, {"target_id", a.id}, {"reason", "spam"}}, 400, "target_kind:");
  expect({{"target_kind", "agent"}, {"reason", "spam"}}, 400, "target_id: required");
  expect({{"target_kind", "agent"}, {"target_id", a.id}}, 400, "reason: required");
  expect({{"target_kind", "agent"}, {"target_id", a.id}, {"reason", "fraud"}}, 400, "reason:");
  expect({{"target_kind", "agent"},
          {"target_id", a.id},
          {"reason", "spam"},
          {"details", std::string(2001, 'd')}},
         400, "details:");
  expect({{"target_kind", "agent"}, {"target_id", a.id}, {"reason", "spam"}, {"why", "x"}}, 400,
         "why: unknown field");

  agent never_registered;
  auto missing =
      expect({{"target_kind", "agent"}, {"target_id", never_registered.id}, {"reason", "spam"}},
             404, "target_id:");
  BOOST_TEST(missing.error_message().find(never_registered.id) != std::string::npos);
  expect({{"target_kind", "review"}, {"target_id", "rev_0123456789ABCDEFg"}, {"reason", "spam"}},
         404, "target_id:");
  // An agent id where a review id belongs.
  expect({{"target_kind", "review"}, {"target_id", a.id}, {"reason", "spam"}}, 404, "target_id:");
  BOOST_TEST(admin_list()["reports"].empty());  // nothing written

  BOOST_TEST(
      server
          .send("POST", "/api/v1/reports",
                json{{"target_kind", "agent"}, {"target_id", a.id}, {"reason", "spam"}}.dump(), {})
          .status == 401);
}

BOOST_AUTO_TEST_CASE(open_reports_per_user_are_limited_and_pages_walk_them_all) {
  std::vector<agent> agents;
  for (int i = 0; i < 21; ++i)
    agents.push_back(fresh_agent());
  // Bob files 21 at once: the limit holds under concurrency, exactly one is
  // refused, naming the limit.
  std::vector<http_result> results(agents.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < agents.size(); ++i)
    threads.emplace_back([&, i] {
      results[i] =
          file(bob, {{"target_kind", "agent"}, {"target_id", agents[i].id}, {"reason", "spam"}});
    });
  for (auto& t : threads)
    t.join();
  std::set<std::string> filed;
  size_t refused_at = agents.size();
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].status == 201) {
      filed.insert(results[i].json()["id"].get<std::string>());
      continue;
    }
    BOOST_TEST(results[i].status == 409, results[i].body);
    BOOST_TEST(results[i].error_message().find("20") != std::string::npos);
    refused_at = i;
  }
  BOOST_REQUIRE(filed.size() == 20u);
  BOOST_REQUIRE(refused_at < agents.size());
  const auto& unreported = agents[refused_at];
  const auto& reported = agents[refused_at == 0 ? 1 : 0];

  // The same target twice while the first is open: refused.
  auto twice =
      file(bob, {{"target_kind", "agent"}, {"target_id", reported.id}, {"reason", "spam"}});
  BOOST_TEST(twice.status == 409, twice.body);
  // Others are not held back by Bob's reports.
  auto carol = sign_up(server, "carol@example.com", "Carol");
  file_ok(carol, "agent", unreported.id);

  // Pages of 7 walk all 21 without duplicates.
  std::set<std::string> seen;
  std::string token;
  size_t pages = 0;
  do {
    auto page = admin_list("?limit=7" + (token.empty() ? "" : "&page_token=" + token));
    ++pages;
    for (const auto& r : page["reports"])
      BOOST_TEST(seen.insert(r["id"].get<std::string>()).second, "duplicate " << r["id"]);
    token = page["next_page_token"].is_null() ? "" : page["next_page_token"].get<std::string>();
  } while (!token.empty() && pages < 10);
  BOOST_TEST(seen.size() == 21u);
  BOOST_TEST(pages == 3u);
  for (const auto& id : filed)
    BOOST_TEST(seen.count(id) == 1u);
  BOOST_TEST(server.get("/api/v1/admin/reports?page_token=bogus", admin.auth()).status == 400);
  BOOST_TEST(server.get("/api/v1/admin/reports?limit=201", admin.auth()).status == 400);

  // Once an admin resolves one, Bob may file again.
  BOOST_REQUIRE_EQUAL(resolve(*filed.begin(), {{"status", "reviewed"}}).status, 200);
  file_ok(bob, "agent", unreported.id);
}

BOOST_AUTO_TEST_SUITE_END()
