// Contacts and contact requests through a real tesserad: an agent's list with
// the mutual flag, requests that make two agents mutual when the recipient
// (only) accepts them, the owner managing its agent's contacts, the limits
// enforced by the writer, and deregistration taking an agent's contacts along.
#include <boost/test/unit_test.hpp>

#include <atomic>

#include <set>
#include <thread>

#include "protocol/contacts.hpp"
#include "storage/database.hpp"
#include "support.hpp"

using namespace tessera::test;
using nlohmann::json;

namespace {

struct fixture {
  temp_dir dir;
  test_database db{dir};
  server_process server{dir, db, account_settings(dir)};
  fixture() { server.start(); }

  agent fresh_agent(const std::string& name = "Contact") {
    agent a;
    auto res = a.register_at(server, a.sign(a.card(name)));
    BOOST_REQUIRE_MESSAGE(res.status == 201, res.body);
    return a;
  }

  /// A request signed by `as`.
  http_result call(const agent& as, const std::string& method, const std::string& target,
                   const std::string& body = "") {
    return server.send(method, target, body, as.sign_request(method, target, body));
  }
  static std::string contacts_path(const agent& a, const std::string& suffix = "") {
    return "/api/v1/agents/" + a.id + "/contacts" + suffix;
  }
  static std::string requests_path(const agent& a, const std::string& suffix = "") {
    return "/api/v1/agents/" + a.id + "/contact-requests" + suffix;
  }

  http_result add(const agent& a, const std::string& contact_id) {
    return call(a, "POST", contacts_path(a), json{{"contact_id", contact_id}}.dump());
  }
  http_result remove(const agent& a, const std::string& contact_id) {
    return call(a, "DELETE", contacts_path(a, "/" + contact_id));
  }
  /// a's contacts by id: whether each is mutual.
  std::map<std::string, bool> contacts_of(const agent& a) {
    auto res = call(a, "GET", contacts_path(a));
    BOOST_REQUIRE_MESSAGE(res.status == 200, res.body);
    auto doc = res.json();
    std::map<std::string, bool> out;
    for (const auto& c : doc["contacts"])
      out[c["contact_id"].get<std::string>()] = c["mutual"].get<bool>();
    return out;
  }

  http_result ask(const agent& from, const agent& to, const std::string& message = "") {
    json body{{"to_id", to.id}};
    if (!message.empty())
      body["message"] = message;
    return call(from, "POST", requests_path(from), body.dump());
  }
  json ask_ok(const agent& from, const agent& to, const std::string& message = "") {
    auto res = ask(from, to, message);
    BOOST_REQUIRE_MESSAGE(res.status == 201, res.body);
    return res.json();
  }
  http_result answer(const agent& as, const std::string& request_id, const std::string& action) {
    return call(as, "PUT", requests_path(as, "/" + request_id),
                json{{"action", action}}.dump());
  }
  json requests(const agent& a, const std::string& direction, const std::string& query = "") {
    auto res = call(a, "GET", requests_path(a, "/" + direction + query));
    BOOST_REQUIRE_MESSAGE(res.status == 200, res.body);
    return res.json();
  }
};

/// The 400's message names the field.
void expect_400(const http_result& res, const std::string& field) {
  BOOST_TEST(res.status == 400, res.body);
  BOOST_TEST(res.error_message().rfind(field + ":", 0) == 0u, res.body);
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(contacts, fixture)

BOOST_AUTO_TEST_CASE(adding_listing_and_removing_contacts_with_the_mutual_flag) {
  auto a = fresh_agent(), b = fresh_agent(), c = fresh_agent();
  BOOST_TEST(contacts_of(a).empty());

  auto added = add(a, b.id);
  BOOST_REQUIRE_MESSAGE(added.status == 201, added.body);
  BOOST_TEST(added.json()["contact_id"] == b.id);
  BOOST_TEST(added.json()["mutual"] == false);
  BOOST_TEST(added.json()["created_at"].get<std::string>().back() == 'Z');
  // Adding again changes nothing and says so.
  auto again = add(a, b.id);
  BOOST_TEST(again.status == 200, again.body);
  BOOST_TEST(again.json()["created_at"] == added.json()["created_at"]);
  BOOST_REQUIRE(add(a, c.id).status == 201);

  // b lists a too: now they are mutual, from both sides; c is not.
  auto back = add(b, a.id);
  BOOST_REQUIRE_MESSAGE(back.status == 201, back.body);
  BOOST_TEST(back.json()["mutual"] == true);
  auto mine = contacts_of(a);
  BOOST_TEST(mine.size() == 2u);
  BOOST_TEST(mine[b.id] == true);
  BOOST_TEST(mine[c.id] == false);
  BOOST_TEST(contacts_of(b)[a.id] == true);
  BOOST_TEST(contacts_of(c).empty());

  auto removed = remove(a, b.id);
  BOOST_TEST(removed.status == 204, removed.body);
  BOOST_TEST(contacts_of(a).count(b.id) == 0u);
  // b still lists a, no longer mutually.
  BOOST_TEST(contacts_of(b)[a.id] == false);
  auto gone = remove(a, b.id);
  BOOST_TEST(gone.status == 404, gone.body);
  BOOST_TEST(gone.error_message().rfind("contact_id:", 0) == 0u, gone.body);
}

BOOST_AUTO_TEST_CASE(bad_contacts_are_refused_naming_the_field) {
  auto a = fresh_agent();
  agent unregistered;
  auto unknown = add(a, unregistered.id);
  BOOST_TEST(unknown.status == 404, unknown.body);
  BOOST_TEST(unknown.error_message().find("contact_id") != std::string::npos, unknown.body);
  expect_400(add(a, a.id), "contact_id");
  expect_400(add(a, "not-an-agent"), "contact_id");
  expect_400(call(a, "POST", contacts_path(a), "{}"), "contact_id");
  expect_400(call(a, "POST", contacts_path(a), R"({"contact_id":7})"), "contact_id");
  BOOST_TEST(call(a, "POST", contacts_path(a), R"({"contact_id":"x","extra":1})").status == 400);
  BOOST_TEST(call(a, "POST", contacts_path(a), "not json").status == 400);
  BOOST_TEST(call(a, "GET", contacts_path(a, "?limit=3")).status == 400);
  auto bad_path = remove(a, "not-an-agent");
  BOOST_TEST(bad_path.status == 404, bad_path.body);
  BOOST_TEST(bad_path.error_message().rfind("contact_id:", 0) == 0u, bad_path.body);
  BOOST_TEST(contacts_of(a).empty());
}

BOOST_AUTO_TEST_CASE(an_accepted_request_makes_both_mutual_a_rejected_one_doesnt) {
  auto a = fresh_agent(), b = fresh_agent(), c = fresh_agent();
  auto sent = ask_ok(a, b, "Hello,\nlet's talk");
  BOOST_TEST(sent["id"].get<std::string>().rfind("creq_", 0) == 0u);
  BOOST_TEST(sent["from_id"] == a.id);
  BOOST_TEST(sent["to_id"] == b.id);
  BOOST_TEST(sent["message"] == "Hello,\nlet's talk");
  BOOST_TEST(sent["status"] == "pending");
  // A second one while the first is pending: refused.
  auto twice = ask(a, b);
  BOOST_TEST(twice.status == 409, twice.body);
  BOOST_TEST(twice.error_message().find(sent["id"].get<std::string>()) != std::string::npos);

  auto incoming = requests(b, "incoming")["requests"];
  BOOST_REQUIRE_EQUAL(incoming.size(), 1u);
  BOOST_TEST(incoming[0] == sent);
  BOOST_TEST(requests(a, "sent")["requests"][0] == sent);
  BOOST_TEST(requests(a, "incoming")["requests"].empty());

  auto accepted = answer(b, sent["id"], "accept");
  BOOST_REQUIRE_MESSAGE(accepted.status == 200, accepted.body);
  BOOST_TEST(accepted.json()["status"] == "accepted");
  BOOST_TEST(accepted.json()["id"] == sent["id"]);
  BOOST_TEST(contacts_of(a)[b.id] == true);
  BOOST_TEST(contacts_of(b)[a.id] == true);
  auto answered_again = answer(b, sent["id"], "reject");
  BOOST_TEST(answered_again.status == 409, answered_again.body);
  BOOST_TEST(requests(b, "incoming")["requests"][0]["status"] == "accepted");
  // Mutual contacts have nothing left to ask.
  auto pointless = ask(b, a);
  BOOST_TEST(pointless.status == 409, pointless.body);

  auto from_c = ask_ok(c, b);
  auto rejected = answer(b, from_c["id"], "reject");
  BOOST_REQUIRE_MESSAGE(rejected.status == 200, rejected.body);
  BOOST_TEST(rejected.json()["status"] == "rejected");
  BOOST_TEST(contacts_of(b).count(c.id) == 0u);
  BOOST_TEST(contacts_of(c).empty());
  // Once answered, c may ask again.
  BOOST_TEST(ask(c, b).status == 201);
}

BOOST_AUTO_TEST_CASE(only_the_recipient_answers_a_request) {
  auto a = fresh_agent(), b = fresh_agent(), d = fresh_agent();
  auto sent = ask_ok(a, b);
  std::string id = sent["id"];
  // The sender, on its own path: the request is not to it.
  auto by_sender = answer(a, id, "accept");
  BOOST_TEST(by_sender.status == 404, by_sender.body);
  // A third agent, on its own path, and on the recipient's (not its own).
  BOOST_TEST(answer(d, id, "accept").status == 404);
  auto as_b = call(d, "PUT", requests_path(b, "/" + id), json{{"action", "accept"}}.dump());
  BOOST_TEST(as_b.status == 403, as_b.body);
  BOOST_TEST(requests(b, "incoming")["requests"][0]["status"] == "pending");
  BOOST_TEST(contacts_of(a).empty());
  BOOST_TEST(answer(b, id, "accept").status == 200);
}

BOOST_AUTO_TEST_CASE(bad_requests_and_answers_are_refused_naming_the_field) {
  auto a = fresh_agent(), b = fresh_agent();
  agent unregistered;
  auto unknown = ask(a, unregistered);
  BOOST_TEST(unknown.status == 404, unknown.body);
  BOOST_TEST(unknown.error_message().rfind("to_id:", 0) == 0u, unknown.body);
  expect_400(ask(a, a), "to_id");
  expect_400(call(a, "POST", requests_path(a), R"({"to_id":"nope"})"), "to_id");
  expect_400(call(a, "POST", requests_path(a), R"({"message":"hi"})"), "to_id");
  expect_400(ask(a, b, std::string(tessera::contacts::max_request_message + 1, 'x')), "message");
  expect_400(call(a, "POST", requests_path(a), json{{"to_id", b.id}, {"message", 5}}.dump()),
             "message");
  expect_400(call(a, "POST", requests_path(a),
                  json{{"to_id", b.id}, {"message", std::string("a\x01b")}}.dump()),
             "message");
  // Exactly the limit, in characters (not bytes), is fine.
  std::string umlauts;
  for (size_t i = 0; i < tessera::contacts::max_request_message; ++i)
    umlauts += "\xc3\xa4";
  auto longest = ask(a, b, umlauts);
  BOOST_REQUIRE_MESSAGE(longest.status == 201, longest.body);
  std::string id = longest.json()["id"];

  expect_400(answer(b, id, "maybe"), "action");
  expect_400(call(b, "PUT", requests_path(b, "/" + id), "{}"), "action");
  auto malformed = answer(b, "creq_nope", "accept");
  BOOST_TEST(malformed.status == 404, malformed.body);
  BOOST_TEST(malformed.error_message().rfind("request_id:", 0) == 0u, malformed.body);
  auto missing = answer(b, "creq_00000000000000000", "accept");
  BOOST_TEST(missing.status == 404, missing.body);

  auto bad_list = [&](const std::string& query, const std::string& field) {
    expect_400(call(b, "GET", requests_path(b, "/incoming" + query)), field);
  };
  bad_list("?status=open", "status");
  bad_list("?limit=0", "limit");
  bad_list("?page_token=garbage", "page_token");
  BOOST_TEST(call(b, "GET", requests_path(b, "/incoming?sort=new")).status == 400);
}

BOOST_AUTO_TEST_CASE(request_lists_filter_by_status_and_page_newest_first) {
  auto b = fresh_agent();
  std::vector<std::string> ids;  // oldest first
  std::vector<agent> senders;
  for (int i = 0; i < 7; ++i) {
    senders.push_back(fresh_agent());
    ids.push_back(ask_ok(senders.back(), b)["id"]);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  BOOST_REQUIRE(answer(b, ids[1], "accept").status == 200);
  BOOST_REQUIRE(answer(b, ids[2], "reject").status == 200);

  std::vector<std::string> walked;
  std::string token;
  size_t pages = 0;
  do {
    auto page = requests(b, "incoming", "?limit=3" + (token.empty() ? "" : "&page_token=" + token));
    ++pages;
    BOOST_TEST(page["requests"].size() <= 3u);
    for (const auto& r : page["requests"])
      walked.push_back(r["id"]);
    token = page["next_page_token"].is_null() ? "" : page["next_page_token"].get<std::string>();
  } while (!token.empty() && pages < 10);
  BOOST_TEST(pages == 3u);
  std::vector<std::string> newest_first(ids.rbegin(), ids.rend());
  BOOST_TEST(walked == newest_first, boost::test_tools::per_element());

  auto pending = requests(b, "incoming", "?status=pending")["requests"];
  BOOST_TEST(pending.size() == 5u);
  for (const auto& r : pending)
    BOOST_TEST(r["status"] == "pending");
  auto accepted = requests(b, "incoming", "?status=accepted")["requests"];
  BOOST_REQUIRE_EQUAL(accepted.size(), 1u);
  BOOST_TEST(accepted[0]["id"] == ids[1]);
  BOOST_TEST(requests(b, "incoming", "?status=rejected")["requests"][0]["id"] == ids[2]);
  BOOST_TEST(requests(senders[2], "sent", "?status=rejected")["requests"].size() == 1u);
  BOOST_TEST(requests(senders[2], "sent", "?status=pending")["requests"].empty());
}

BOOST_AUTO_TEST_CASE(the_owner_manages_its_agents_contacts_and_nobody_else) {
  auto alice = sign_up(server, "alice@example.com", "Alice");
  auto bob = sign_up(server, "bob@example.com", "Bob");
  agent mine;
  register_and_claim(server, mine, alice);
  auto other = fresh_agent(), stranger = fresh_agent();

  auto added = server.send("POST", contacts_path(mine), json{{"contact_id", other.id}}.dump(),
                           alice.auth());
  BOOST_TEST(added.status == 201, added.body);
  auto listed = server.get(contacts_path(mine), alice.auth());
  BOOST_REQUIRE_MESSAGE(listed.status == 200, listed.body);
  BOOST_TEST(listed.json()["contacts"][0]["contact_id"] == other.id);
  // The owner sends and answers requests for its agent.
  auto sent = server.send("POST", requests_path(mine), json{{"to_id", stranger.id}}.dump(),
                          alice.auth());
  BOOST_TEST(sent.status == 201, sent.body);
  auto incoming = ask_ok(other, mine);
  auto accepted = server.send("PUT", requests_path(mine, "/" + incoming["id"].get<std::string>()),
                              json{{"action", "accept"}}.dump(), alice.auth());
  BOOST_TEST(accepted.status == 200, accepted.body);
  BOOST_TEST(contacts_of(other)[mine.id] == true);
  auto sent_list = server.get(requests_path(mine, "/sent"), alice.auth());
  BOOST_TEST(sent_list.status == 200);
  BOOST_TEST(sent_list.json()["requests"].size() == 1u);

  // Another user, another agent, nobody: refused, and nothing changes.
  auto by_bob = server.send("POST", contacts_path(mine), json{{"contact_id", stranger.id}}.dump(),
                            bob.auth());
  BOOST_TEST(by_bob.status == 403, by_bob.body);
  BOOST_TEST(server.get(contacts_path(mine), bob.auth()).status == 403);
  BOOST_TEST(server.send("DELETE", contacts_path(mine, "/" + other.id), "", bob.auth()).status ==
             403);
  auto by_agent = call(stranger, "POST", contacts_path(mine),
                       json{{"contact_id", stranger.id}}.dump());
  BOOST_TEST(by_agent.status == 403, by_agent.body);
  BOOST_TEST(call(stranger, "GET", requests_path(mine, "/incoming")).status == 403);
  BOOST_TEST(server.get(contacts_path(mine)).status == 401);
  BOOST_TEST(server.send("POST", requests_path(mine), json{{"to_id", other.id}}.dump(), {})
                 .status == 401);
  auto after = contacts_of(mine);
  BOOST_TEST(after.size() == 1u);
  BOOST_TEST(after.count(stranger.id) == 0u);

  auto removed = server.send("DELETE", contacts_path(mine, "/" + other.id), "", alice.auth());
  BOOST_TEST(removed.status == 204, removed.body);
  BOOST_TEST(contacts_of(mine).empty());
}

BOOST_AUTO_TEST_CASE(deregistration_removes_the_agents_contacts_both_ways_and_its_requests) {
  auto a = fresh_agent(), b = fresh_agent(), c = fresh_agent(), d = fresh_agent();
  BOOST_REQUIRE(add(a, b.id).status == 201);
  BOOST_REQUIRE(add(b, a.id).status == 201);
  BOOST_REQUIRE(add(c, a.id).status == 201);
  ask_ok(a, d);
  ask_ok(d, a);
  BOOST_REQUIRE(add(b, c.id).status == 201);

  auto gone = call(a, "DELETE", "/api/v1/agents/" + a.id);
  BOOST_REQUIRE_MESSAGE(gone.status == 204, gone.body);
  auto bs = contacts_of(b);
  BOOST_TEST(bs.size() == 1u);
  BOOST_TEST(bs.count(c.id) == 1u);
  BOOST_TEST(contacts_of(c).empty());
  BOOST_TEST(requests(d, "incoming")["requests"].empty());
  BOOST_TEST(requests(d, "sent")["requests"].empty());

  // Registered again, the id starts with no contacts and no requests.
  auto back = a.register_at(server, a.sign(a.card("Back")));
  BOOST_REQUIRE_MESSAGE(back.status == 201, back.body);
  BOOST_TEST(contacts_of(a).empty());
  BOOST_TEST(requests(a, "incoming")["requests"].empty());
  BOOST_TEST(contacts_of(b).count(a.id) == 0u);
}

BOOST_AUTO_TEST_CASE(pending_requests_per_agent_are_limited_under_concurrency) {
  constexpr size_t limit = tessera::contacts::max_pending_requests_per_agent;
  auto a = fresh_agent();
  std::vector<agent> targets;
  for (size_t i = 0; i <= limit; ++i)
    targets.push_back(fresh_agent("Target"));
  // All at once: the writer lets exactly `limit` through.
  std::vector<http_result> results(targets.size());
  std::vector<std::thread> threads;
  for (size_t t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (size_t i = t; i < targets.size(); i += 8)
        results[i] = ask(a, targets[i]);
    });
  for (auto& t : threads)
    t.join();
  size_t created = 0, refused_at = targets.size();
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].status == 201) {
      ++created;
      continue;
    }
    BOOST_TEST(results[i].status == 409, results[i].body);
    BOOST_TEST(results[i].error_message().find(std::to_string(limit)) != std::string::npos);
    refused_at = i;
  }
  BOOST_TEST(created == limit);
  BOOST_REQUIRE(refused_at < targets.size());
  BOOST_TEST(requests(a, "sent", "?status=pending&limit=200")["requests"].size() == limit);

  // One answered frees a slot.
  auto any = requests(a, "sent", "?limit=1")["requests"][0];
  agent* recipient = nullptr;
  for (auto& t : targets)
    if (t.id == any["to_id"])
      recipient = &t;
  BOOST_REQUIRE(recipient);
  BOOST_REQUIRE(answer(*recipient, any["id"], "reject").status == 200);
  auto retried = ask(a, targets[refused_at]);
  BOOST_TEST(retried.status == 201, retried.body);
  BOOST_TEST(ask(a, *recipient).status == 409);
}

BOOST_AUTO_TEST_CASE(an_inbox_takes_a_bounded_number_of_pending_requests) {
  // Fresh agents can't fill one agent's inbox without end.
  constexpr size_t limit = tessera::contacts::max_pending_incoming_per_agent;
  auto victim = fresh_agent("Popular");
  std::vector<agent> senders(limit + 1);
  std::vector<std::thread> threads;
  std::atomic<size_t> created{0};
  for (size_t t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (size_t i = t; i < limit; i += 8) {
        auto reg = senders[i].register_at(server, senders[i].sign(senders[i].card("Sender")));
        if (reg.status == 201 && ask(senders[i], victim).status == 201)
          ++created;
      }
    });
  for (auto& t : threads)
    t.join();
  BOOST_REQUIRE_EQUAL(created.load(), limit);
  auto& last = senders[limit];
  BOOST_REQUIRE_EQUAL(last.register_at(server, last.sign(last.card("Late"))).status, 201);
  auto refused = ask(last, victim);
  BOOST_TEST(refused.status == 409, refused.body);
  BOOST_TEST(refused.error_message().find("to_id: the agent has " + std::to_string(limit)) !=
                 std::string::npos,
             refused.error_message());
  // One answered frees a place.
  auto any = requests(victim, "incoming", "?limit=1")["requests"][0];
  BOOST_REQUIRE(answer(victim, any["id"], "reject").status == 200);
  auto retried = ask(last, victim);
  BOOST_TEST(retried.status == 201, retried.body);
}

BOOST_AUTO_TEST_CASE(a_full_contact_list_takes_no_more_nor_accepts_a_request) {
  constexpr size_t limit = tessera::contacts::max_contacts_per_agent;
  auto a = fresh_agent(), b = fresh_agent(), c = fresh_agent();
  // Fill a's list up to the limit in the database (registering a thousand
  // agents would only be slow): the writer counts rows.
  std::string first_filler;
  {
    auto sql = tessera::storage::open_session({.driver = db.driver, .dsn = db.dsn},
                                              tessera::storage::session_role::writer);
    soci::transaction tr(*sql);
    for (size_t i = 0; i < limit; ++i) {
      std::string id = agent{}.id;
      if (first_filler.empty())
        first_filler = id;
      *sql << "INSERT INTO contacts (agent_id, contact_id, created_at) VALUES (:a, :c, 1)",
          soci::use(a.id), soci::use(id);
    }
    tr.commit();
  }
  auto full = add(a, b.id);
  BOOST_TEST(full.status == 409, full.body);
  BOOST_TEST(full.error_message().find(std::to_string(limit)) != std::string::npos, full.body);

  // Accepting would add to a full list: refused whole, nothing half done.
  auto from_c = ask_ok(c, a);
  auto accepted = answer(a, from_c["id"], "accept");
  BOOST_TEST(accepted.status == 409, accepted.body);
  BOOST_TEST(contacts_of(c).empty());
  BOOST_TEST(requests(a, "incoming")["requests"][0]["status"] == "pending");

  // One removed makes room again.
  BOOST_REQUIRE(remove(a, first_filler).status == 204);
  BOOST_TEST(add(a, b.id).status == 201);
  BOOST_TEST(contacts_of(a).size() == limit);
}

BOOST_AUTO_TEST_SUITE_END()
