// Directory categories through a real tesserad: admins create, rename and
// delete them (audited), anyone lists them, owners file their agents under a
// few, and bad input is refused naming the field.
#include <boost/test/unit_test.hpp>

#include "support.hpp"

using namespace tessera::test;
using nlohmann::json;

namespace {

struct fixture {
  temp_dir dir;
  test_database db{dir};
  server_process server{dir, db, account_settings(dir)};
  account admin;
  fixture() {
    server.start();
    admin = make_admin(dir, server, "root@example.com");
  }

  http_result send(const std::string& method, const std::string& target, const json& body,
                   const account& who) {
    return server.send(method, target, body.is_null() ? "" : body.dump(), who.auth());
  }
  http_result create(const json& body) {
    return send("POST", "/api/v1/admin/categories", body, admin);
  }
  void create_ok(const std::string& id, const std::string& name) {
    auto res = create({{"id", id}, {"name", name}});
    BOOST_REQUIRE_MESSAGE(res.status == 201, res.body);
  }
  json list() {
    auto res = server.get("/api/v1/categories");
    BOOST_REQUIRE_MESSAGE(res.status == 200, res.body);
    return res.json()["categories"];
  }
  http_result assign(const agent& a, const json& ids, const account& who) {
    return send("PUT", "/api/v1/provider/agents/" + a.id + "/categories", {{"categories", ids}},
                who);
  }
  /// The agent's categories as its public profile shows them.
  json profile_categories(const agent& a) {
    auto res = server.get("/api/v1/directory/" + a.id);
    BOOST_REQUIRE_MESSAGE(res.status == 200, res.body);
    return res.json()["categories"];
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(categories, fixture)

BOOST_AUTO_TEST_CASE(admins_curate_categories_and_anyone_lists_them) {
  BOOST_TEST(list().empty());
  auto created = create({{"id", "data-analysis"},
                         {"name", "Data analysis"},
                         {"description", "Agents that crunch numbers"}});
  BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
  BOOST_TEST(created.json()["id"] == "data-analysis");
  BOOST_TEST(created.json()["description"] == "Agents that crunch numbers");
  create_ok("coding", "Coding");

  auto all = list();
  BOOST_REQUIRE_EQUAL(all.size(), 2u);
  BOOST_TEST(all[0]["id"] == "coding");  // by id
  BOOST_TEST(all[1]["name"] == "Data analysis");

  auto taken = create({{"id", "coding"}, {"name", "Again"}});
  BOOST_TEST(taken.status == 409);
  BOOST_TEST(taken.error_code() == "conflict");

  // A rename keeps the description it doesn't mention.
  auto renamed =
      send("PUT", "/api/v1/admin/categories/data-analysis", {{"name", "Analytics"}}, admin);
  BOOST_REQUIRE_MESSAGE(renamed.status == 200, renamed.body);
  BOOST_TEST(renamed.json()["name"] == "Analytics");
  BOOST_TEST(renamed.json()["description"] == "Agents that crunch numbers");
  BOOST_TEST(list()[1]["name"] == "Analytics");
  BOOST_TEST(send("PUT", "/api/v1/admin/categories/nothing-here", {{"name", "X"}}, admin).status ==
             404);

  auto removed = send("DELETE", "/api/v1/admin/categories/coding", nullptr, admin);
  BOOST_TEST(removed.status == 204);
  BOOST_TEST(list().size() == 1u);
  BOOST_TEST(send("DELETE", "/api/v1/admin/categories/coding", nullptr, admin).status == 404);

  BOOST_TEST(wait_for_audit(dir, "category_created", 2));
  BOOST_TEST(wait_for_audit(dir, "category_updated"));
  BOOST_TEST(wait_for_audit(dir, "category_deleted"));
}

BOOST_AUTO_TEST_CASE(category_input_is_checked_naming_the_field) {
  auto expect_400 = [&](const json& body, const std::string& prefix) {
    auto res = create(body);
    BOOST_TEST(res.status == 400, body.dump() << " -> " << res.body);
    BOOST_TEST(res.error_message().rfind(prefix, 0) == 0u, res.error_message());
  };
  expect_400({{"id", "Data_Analysis"}, {"name", "X"}}, "id:");
  expect_400({{"id", "x"}, {"name", "X"}}, "id:");
  expect_400({{"id", std::string(49, 'a')}, {"name", "X"}}, "id:");
  expect_400({{"name", "X"}}, "id: required");
  expect_400({{"id", "ok-id"}}, "name: required");
  expect_400({{"id", "ok-id"}, {"name", ""}}, "name:");
  expect_400({{"id", "ok-id"}, {"name", std::string(81, 'n')}}, "name:");
  expect_400({{"id", "ok-id"}, {"name", "X"}, {"description", std::string(501, 'd')}},
             "description:");
  expect_400({{"id", "ok-id"}, {"name", "X"}, {"colour", "red"}}, "colour: unknown field");
  BOOST_TEST(list().empty());  // nothing half-written

  auto bad_path = send("PUT", "/api/v1/admin/categories/Not_A_Slug", {{"name", "X"}}, admin);
  BOOST_TEST(bad_path.status == 404);
  BOOST_TEST(bad_path.error_message().rfind("id:", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(owners_file_their_agents_under_categories) {
  auto alice = sign_up(server, "alice@example.com", "Alice");
  auto bob = sign_up(server, "bob@example.com", "Bob");
  agent a;
  register_and_claim(server, a, alice);
  for (auto id : {"coding", "search", "travel", "finance", "health", "music"})
    create_ok(id, id);

  auto set = assign(a, {"search", "coding"}, alice);
  BOOST_REQUIRE_MESSAGE(set.status == 200, set.body);
  BOOST_TEST(set.json()["id"] == a.id);
  BOOST_TEST(set.json()["categories"] == json::array({"coding", "search"}));
  BOOST_TEST(profile_categories(a) == json::array({"coding", "search"}));

  // The set is replaced, not merged.
  set = assign(a, {"travel"}, alice);
  BOOST_REQUIRE_MESSAGE(set.status == 200, set.body);
  BOOST_TEST(profile_categories(a) == json::array({"travel"}));

  auto unknown = assign(a, {"coding", "cooking"}, alice);
  BOOST_TEST(unknown.status == 400);
  BOOST_TEST(unknown.error_message().find("cooking") != std::string::npos, unknown.body);
  auto too_many = assign(a, {"coding", "search", "travel", "finance", "health", "music"}, alice);
  BOOST_TEST(too_many.status == 400);
  BOOST_TEST(too_many.error_message().rfind("categories:", 0) == 0u);
  auto twice = assign(a, {"coding", "coding"}, alice);
  BOOST_TEST(twice.status == 400);
  BOOST_TEST(twice.error_message().rfind("categories[1]:", 0) == 0u);
  auto not_slug = assign(a, {"coding", 7}, alice);
  BOOST_TEST(not_slug.status == 400);
  BOOST_TEST(not_slug.error_message().rfind("categories[1]:", 0) == 0u);
  auto not_array = send("PUT", "/api/v1/provider/agents/" + a.id + "/categories",
                        {{"categories", "coding"}}, alice);
  BOOST_TEST(not_array.status == 400);
  BOOST_TEST(profile_categories(a) ==
             json::array({"travel"}));  // the refused calls changed nothing

  // Someone else's agent: refused.
  BOOST_TEST(assign(a, {"coding"}, bob).status == 403);
  BOOST_TEST(profile_categories(a) == json::array({"travel"}));

  // Deleting a category takes it off every agent.
  BOOST_REQUIRE_EQUAL(send("DELETE", "/api/v1/admin/categories/travel", nullptr, admin).status,
                      204);
  BOOST_TEST(profile_categories(a).empty());

  // An empty list clears the set.
  BOOST_REQUIRE_EQUAL(assign(a, {"music"}, alice).status, 200);
  auto cleared = assign(a, json::array(), alice);
  BOOST_REQUIRE_MESSAGE(cleared.status == 200, cleared.body);
  BOOST_TEST(cleared.json()["categories"].empty());
  BOOST_TEST(profile_categories(a).empty());
}

BOOST_AUTO_TEST_SUITE_END()
