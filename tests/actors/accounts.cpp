// Users, credentials and agent owners through the real writer and readers:
// every account write kind with its condition, and every account query.
#include <boost/test/unit_test.hpp>

#include "support.hpp"

using namespace tessera;
using namespace tessera::test;

namespace {

user_record make_user(const std::string& id, const std::string& email,
                      const std::string& role = "user") {
  user_record u;
  u.id = id;
  u.email = email;
  u.display_name = "User " + id;
  u.role = role;
  u.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
  u.created_at = u.updated_at = 1'700'000'000'000;
  return u;
}

credential make_cred(const std::string& hash, const std::string& kind,
                     const std::string& user_id) {
  credential c;
  c.hash = hash;
  c.kind = kind;
  c.user_id = user_id;
  c.created_at = 1'700'000'000'000;
  return c;
}

write_op user_op(write_op::kind_t kind, const user_record& u) {
  write_op op;
  op.kind = kind;
  op.user = u;
  return op;
}

write_op cred_op(const credential& c) {
  write_op op;
  op.kind = write_op::insert_credential;
  op.cred = c;
  return op;
}

write_op key_op(write_op::kind_t kind, const std::string& key, int64_t at) {
  write_op op;
  op.kind = kind;
  op.key = key;
  op.at = at;
  return op;
}

write_op rotate_op(const std::string& old_hash, const credential& next, int64_t at) {
  auto op = key_op(write_op::rotate_refresh, old_hash, at);
  op.cred = next;
  return op;
}

write_op claim_op(const std::string& hash, const std::string& agent_id, int64_t at) {
  auto op = key_op(write_op::use_claim, hash, at);
  op.agent.id = agent_id;
  return op;
}

/// ec::none for an ok.
template <class T>
ec outcome(const caf::expected<T>& x) {
  return x ? ec::none : code_of(x.error());
}

std::string message_of(const caf::expected<caf::ok_atom>& x) {
  return x ? "" : to_problem(x.error()).message;
}

struct accounts_fixture : actor_fixture {
  caf::expected<credential> cred(const std::string& hash) {
    return ask<credential>(readers, atom::cred_get::value, hash);
  }
  caf::expected<user_record> user(const std::string& id) {
    return ask<user_record>(readers, atom::user_get::value, id);
  }
  nlohmann::json stats(const std::string& owner) {
    auto text = ask<std::string>(readers, atom::stats::value, owner);
    BOOST_TEST_REQUIRE(static_cast<bool>(text));
    return nlohmann::json::parse(*text);
  }
  std::vector<std::string> user_ids(const user_query& q) {
    auto page = ask<user_page>(readers, atom::user_list::value, q);
    BOOST_TEST_REQUIRE(static_cast<bool>(page));
    std::vector<std::string> ids;
    for (auto& u : page->users)
      ids.push_back(u.id);
    return ids;
  }
  std::vector<std::string> agent_ids(const agent_query& q) {
    auto page = ask<agent_page>(readers, atom::list::value, q);
    BOOST_TEST_REQUIRE(static_cast<bool>(page));
    std::vector<std::string> ids;
    for (auto& a : page->agents)
      ids.push_back(a.id);
    return ids;
  }
  void insert_user(const user_record& u) {
    BOOST_TEST_REQUIRE(outcome(write(user_op(write_op::insert_user, u))) == ec::none);
  }
  void insert_cred(const credential& c) {
    BOOST_TEST_REQUIRE(outcome(write(cred_op(c))) == ec::none);
  }
  void insert_agent(const agent_record& a) {
    BOOST_TEST_REQUIRE(outcome(write(insert_op(a))) == ec::none);
  }
};

using ids = std::vector<std::string>;

}  // namespace

BOOST_FIXTURE_TEST_SUITE(accounts, accounts_fixture)

BOOST_AUTO_TEST_CASE(a_user_is_stored_found_and_updated) {
  auto u = make_user("usr_1", "ann@example.org");
  insert_user(u);
  auto got = user("usr_1");
  BOOST_TEST_REQUIRE(static_cast<bool>(got));
  BOOST_TEST(got->email == u.email);
  BOOST_TEST(got->display_name == u.display_name);
  BOOST_TEST(got->role == "user");
  BOOST_TEST(got->password_hash == u.password_hash);
  BOOST_TEST(got->created_at == u.created_at);
  BOOST_TEST(got->updated_at == u.updated_at);
  auto by_email =
      ask<user_record>(readers, atom::user_email::value, std::string{"ann@example.org"});
  BOOST_TEST_REQUIRE(static_cast<bool>(by_email));
  BOOST_TEST(by_email->id == "usr_1");

  auto changed = u;
  changed.email = "ignored@example.org";  // update_user leaves the email alone
  changed.display_name = "Ann B.";
  changed.password_hash = "$argon2id$new";
  changed.role = "admin";
  changed.created_at = 5;  // and created_at
  changed.updated_at = u.updated_at + 1000;
  BOOST_TEST(outcome(write(user_op(write_op::update_user, changed))) == ec::none);
  got = user("usr_1");
  BOOST_TEST_REQUIRE(static_cast<bool>(got));
  BOOST_TEST(got->email == "ann@example.org");
  BOOST_TEST(got->display_name == "Ann B.");
  BOOST_TEST(got->password_hash == "$argon2id$new");
  BOOST_TEST(got->role == "admin");
  BOOST_TEST(got->created_at == u.created_at);
  BOOST_TEST(got->updated_at == u.updated_at + 1000);

  // Only the fields given change: a demotion racing a password change must
  // not write back the old hash, nor the password change the old role.
  user_record demotion;
  demotion.id = "usr_1";
  demotion.role = "user";
  demotion.updated_at = u.updated_at + 2000;
  BOOST_TEST(outcome(write(user_op(write_op::update_user, demotion))) == ec::none);
  got = user("usr_1");
  BOOST_TEST_REQUIRE(static_cast<bool>(got));
  BOOST_TEST(got->role == "user");
  BOOST_TEST(got->display_name == "Ann B.");
  BOOST_TEST(got->password_hash == "$argon2id$new");
  BOOST_TEST(got->updated_at == u.updated_at + 2000);
}

BOOST_AUTO_TEST_CASE(a_taken_email_is_a_conflict) {
  insert_user(make_user("usr_1", "ann@example.org"));
  auto res = write(user_op(write_op::insert_user, make_user("usr_2", "ann@example.org")));
  BOOST_TEST(outcome(res) == ec::conflict);
  BOOST_TEST(message_of(res) == "a user with this email already exists");
  BOOST_TEST(outcome(user("usr_2")) == ec::not_found);
  // The same id with another email is refused too, and changes nothing.
  res = write(user_op(write_op::insert_user, make_user("usr_1", "other@example.org")));
  BOOST_TEST(outcome(res) == ec::conflict);
  BOOST_TEST(user("usr_1")->email == "ann@example.org");
}

BOOST_AUTO_TEST_CASE(unknown_users_are_not_found) {
  auto got = user("nobody");
  BOOST_TEST(outcome(got) == ec::not_found);
  BOOST_TEST(to_problem(got.error()).message == "no user with id nobody");
  auto by_email = ask<user_record>(readers, atom::user_email::value, std::string{"x@y.z"});
  BOOST_TEST(outcome(by_email) == ec::not_found);
  BOOST_TEST(to_problem(by_email.error()).message == "no user with this email");
  auto up = write(user_op(write_op::update_user, make_user("nobody", "x@y.z")));
  BOOST_TEST(outcome(up) == ec::not_found);
  BOOST_TEST(message_of(up) == "no user with id nobody");
  BOOST_TEST(outcome(write(user_op(write_op::delete_user, make_user("nobody", "")))) ==
             ec::not_found);
  auto c = cred("0000");
  BOOST_TEST(outcome(c) == ec::not_found);
  BOOST_TEST(to_problem(c.error()).message == "no such credential");
}

BOOST_AUTO_TEST_CASE(deleting_a_user_removes_its_credentials_and_frees_its_agents) {
  insert_user(make_user("usr_1", "ann@example.org"));
  insert_user(make_user("usr_2", "bob@example.org"));
  auto refresh = make_cred("h_refresh", "refresh", "usr_1");
  refresh.family = "fam_1";
  insert_cred(refresh);
  auto key = make_cred("h_key", "api_key", "usr_1");
  key.id = "key_1";
  insert_cred(key);
  insert_cred(make_cred("h_other", "api_key", "usr_2"));
  auto mine = make_agent("a1");
  mine.owner_id = "usr_1";
  insert_agent(mine);
  auto theirs = make_agent("a2");
  theirs.owner_id = "usr_2";
  insert_agent(theirs);
  BOOST_TEST(read("a1")->owner_id == "usr_1");

  BOOST_TEST(outcome(write(user_op(write_op::delete_user, make_user("usr_1", "")))) == ec::none);
  BOOST_TEST(outcome(user("usr_1")) == ec::not_found);
  BOOST_TEST(outcome(cred("h_refresh")) == ec::not_found);
  BOOST_TEST(outcome(cred("h_key")) == ec::not_found);
  auto a1 = read("a1");
  BOOST_TEST_REQUIRE(static_cast<bool>(a1));  // the agent stays, unowned
  BOOST_TEST(a1->owner_id == "");
  // The other user keeps everything.
  BOOST_TEST(outcome(cred("h_other")) == ec::none);
  BOOST_TEST(read("a2")->owner_id == "usr_2");
  BOOST_TEST(outcome(write(user_op(write_op::delete_user, make_user("usr_1", "")))) ==
             ec::not_found);
}

BOOST_AUTO_TEST_CASE(a_refresh_token_rotates_once) {
  insert_user(make_user("usr_1", "ann@example.org"));
  auto r1 = make_cred("h_r1", "refresh", "usr_1");
  r1.family = "fam_1";
  r1.expires_at = 1'800'000'000'000;
  insert_cred(r1);
  auto r2 = r1;
  r2.hash = "h_r2";
  BOOST_TEST(outcome(write(rotate_op("h_r1", r2, 1'700'000'000'500))) == ec::none);
  auto old = cred("h_r1");
  BOOST_TEST_REQUIRE(static_cast<bool>(old));
  BOOST_TEST(old->used_at == 1'700'000'000'500);
  BOOST_TEST(old->revoked_at == 0);
  auto next = cred("h_r2");
  BOOST_TEST_REQUIRE(static_cast<bool>(next));
  BOOST_TEST(next->family == "fam_1");
  BOOST_TEST(next->used_at == 0);
  BOOST_TEST(next->expires_at == r1.expires_at);

  // The same old token again (a thief, or a replay): conflict, nothing stored.
  auto r3 = r1;
  r3.hash = "h_r3";
  auto res = write(rotate_op("h_r1", r3, 1'700'000'000'600));
  BOOST_TEST(outcome(res) == ec::conflict);
  BOOST_TEST(message_of(res) == "the refresh token was already used or revoked");
  BOOST_TEST(outcome(cred("h_r3")) == ec::not_found);
  BOOST_TEST(cred("h_r1")->used_at == 1'700'000'000'500);
  // An unknown token, or a credential of another kind, doesn't rotate either.
  BOOST_TEST(outcome(write(rotate_op("h_nothing", r3, 1))) == ec::conflict);
  auto key = make_cred("h_key", "api_key", "usr_1");
  key.id = "key_1";
  insert_cred(key);
  BOOST_TEST(outcome(write(rotate_op("h_key", r3, 1))) == ec::conflict);
  BOOST_TEST(outcome(cred("h_r3")) == ec::not_found);
}

BOOST_AUTO_TEST_CASE(a_revoked_family_no_longer_rotates) {
  insert_user(make_user("usr_1", "ann@example.org"));
  auto a = make_cred("h_a", "refresh", "usr_1");
  a.family = "fam_a";
  insert_cred(a);
  auto other = make_cred("h_b", "refresh", "usr_1");
  other.family = "fam_b";
  insert_cred(other);
  BOOST_TEST(outcome(write(key_op(write_op::revoke_family, "fam_a", 1'700'000'001'000))) ==
             ec::none);
  BOOST_TEST(cred("h_a")->revoked_at == 1'700'000'001'000);
  BOOST_TEST(cred("h_b")->revoked_at == 0);
  auto next = make_cred("h_a2", "refresh", "usr_1");
  next.family = "fam_a";
  BOOST_TEST(outcome(write(rotate_op("h_a", next, 1'700'000'002'000))) == ec::conflict);
  BOOST_TEST(outcome(cred("h_a2")) == ec::not_found);
  // Revoking again keeps the first time.
  BOOST_TEST(outcome(write(key_op(write_op::revoke_family, "fam_a", 1'700'000'003'000))) ==
             ec::none);
  BOOST_TEST(cred("h_a")->revoked_at == 1'700'000'001'000);
}

BOOST_AUTO_TEST_CASE(logout_everywhere_revokes_only_that_users_refresh_tokens) {
  insert_user(make_user("usr_1", "ann@example.org"));
  insert_user(make_user("usr_2", "bob@example.org"));
  for (auto [hash, fam] : {std::pair{"h_1a", "f1"}, std::pair{"h_1b", "f2"}}) {
    auto c = make_cred(hash, "refresh", "usr_1");
    c.family = fam;
    insert_cred(c);
  }
  auto key = make_cred("h_key", "api_key", "usr_1");
  key.id = "key_1";
  insert_cred(key);
  auto bob = make_cred("h_2", "refresh", "usr_2");
  bob.family = "f3";
  insert_cred(bob);
  auto op = key_op(write_op::revoke_user_refresh, "", 1'700'000'005'000);
  op.user.id = "usr_1";
  BOOST_TEST(outcome(write(op)) == ec::none);
  BOOST_TEST(cred("h_1a")->revoked_at == 1'700'000'005'000);
  BOOST_TEST(cred("h_1b")->revoked_at == 1'700'000'005'000);
  BOOST_TEST(cred("h_key")->revoked_at == 0);
  BOOST_TEST(cred("h_2")->revoked_at == 0);
}

BOOST_AUTO_TEST_CASE(api_keys_are_listed_touched_and_revoked_by_their_owner_only) {
  insert_user(make_user("usr_1", "ann@example.org"));
  insert_user(make_user("usr_2", "bob@example.org"));
  auto key = make_cred("h_key", "api_key", "usr_1");
  key.id = "key_1";
  key.name = "ci";
  key.prefix = "tsk_AbC";
  key.agent_id = "a1";
  insert_cred(key);
  auto second = make_cred("h_key2", "api_key", "usr_1");
  second.id = "key_2";
  second.created_at = key.created_at + 1;
  insert_cred(second);
  // A key id or a secret hash can't be issued twice.
  auto dup = make_cred("h_key3", "api_key", "usr_2");
  dup.id = "key_1";
  BOOST_TEST(outcome(write(cred_op(dup))) == ec::conflict);
  BOOST_TEST(outcome(write(cred_op(make_cred("h_key", "claim", "usr_2")))) == ec::conflict);

  auto listed = ask<std::vector<credential>>(readers, atom::cred_list::value,
                                             std::string{"usr_1"}, std::string{"api_key"});
  BOOST_TEST_REQUIRE(static_cast<bool>(listed));
  BOOST_TEST_REQUIRE(listed->size() == 2u);
  BOOST_TEST((*listed)[0].id == "key_1");
  BOOST_TEST((*listed)[0].name == "ci");
  BOOST_TEST((*listed)[0].prefix == "tsk_AbC");
  BOOST_TEST((*listed)[0].agent_id == "a1");
  BOOST_TEST((*listed)[1].id == "key_2");
  auto none = ask<std::vector<credential>>(readers, atom::cred_list::value,
                                           std::string{"usr_1"}, std::string{"refresh"});
  BOOST_TEST_REQUIRE(static_cast<bool>(none));
  BOOST_TEST(none->empty());

  // Uses move used_at forward only.
  BOOST_TEST(outcome(write(key_op(write_op::touch_credential, "h_key", 2000))) == ec::none);
  BOOST_TEST(outcome(write(key_op(write_op::touch_credential, "h_key", 1000))) == ec::none);
  BOOST_TEST(cred("h_key")->used_at == 2000);

  // Bob can't revoke Ann's key, and can't tell it exists.
  auto revoke = key_op(write_op::revoke_api_key, "key_1", 3000);
  revoke.user.id = "usr_2";
  auto res = write(revoke);
  BOOST_TEST(outcome(res) == ec::not_found);
  BOOST_TEST(message_of(res) == "no API key with id key_1");
  BOOST_TEST(cred("h_key")->revoked_at == 0);
  revoke.user.id = "usr_1";
  BOOST_TEST(outcome(write(revoke)) == ec::none);
  BOOST_TEST(cred("h_key")->revoked_at == 3000);
  BOOST_TEST(cred("h_key2")->revoked_at == 0);
  // Once revoked, it is gone for revoking.
  BOOST_TEST(outcome(write(revoke)) == ec::not_found);
}

BOOST_AUTO_TEST_CASE(a_claim_token_binds_one_agent_once) {
  insert_user(make_user("usr_1", "ann@example.org"));
  insert_agent(make_agent("a1"));
  insert_agent(make_agent("a2"));
  auto claim = make_cred("h_claim", "claim", "usr_1");
  claim.expires_at = 1'700'000'060'000;
  insert_cred(claim);

  auto res = write(claim_op("h_claim", "ghost", 1'700'000'001'000));
  BOOST_TEST(outcome(res) == ec::not_found);
  BOOST_TEST(message_of(res) == "no agent with id ghost");
  BOOST_TEST(cred("h_claim")->used_at == 0);

  res = write(claim_op("h_claim", "a1", 1'700'000'060'000));  // at the expiry: expired
  BOOST_TEST(outcome(res) == ec::conflict);
  BOOST_TEST(message_of(res) == "the claim token is unknown, already used or expired");
  BOOST_TEST(read("a1")->owner_id == "");

  BOOST_TEST(outcome(write(claim_op("h_claim", "a1", 1'700'000'059'999))) == ec::none);
  BOOST_TEST(read("a1")->owner_id == "usr_1");
  auto used = cred("h_claim");
  BOOST_TEST(used->used_at == 1'700'000'059'999);
  BOOST_TEST(used->agent_id == "a1");

  // Used once: a second agent (or the same one) can't use it again.
  BOOST_TEST(outcome(write(claim_op("h_claim", "a2", 1'700'000'059'999))) == ec::conflict);
  BOOST_TEST(read("a2")->owner_id == "");
  BOOST_TEST(cred("h_claim")->agent_id == "a1");
  // Unknown tokens and other kinds of credential are no claim.
  BOOST_TEST(outcome(write(claim_op("h_none", "a2", 1))) == ec::conflict);
  auto refresh = make_cred("h_refresh", "refresh", "usr_1");
  refresh.expires_at = 1'800'000'000'000;
  insert_cred(refresh);
  BOOST_TEST(outcome(write(claim_op("h_refresh", "a2", 1))) == ec::conflict);
  BOOST_TEST(read("a2")->owner_id == "");
}

BOOST_AUTO_TEST_CASE(stats_count_for_an_owner_and_for_the_node) {
  insert_user(make_user("usr_1", "ann@example.org"));
  insert_user(make_user("usr_2", "bob@example.org"));
  insert_user(make_user("usr_3", "root@example.org", "admin"));
  auto a1 = make_agent("a1");
  a1.owner_id = "usr_1";
  a1.status = "online";
  insert_agent(a1);
  auto a2 = make_agent("a2");
  a2.owner_id = "usr_1";
  insert_agent(a2);
  auto a3 = make_agent("a3");
  a3.owner_id = "usr_2";
  insert_agent(a3);
  insert_agent(make_agent("a4"));
  auto key = [&](const std::string& hash, const std::string& user) {
    auto c = make_cred(hash, "api_key", user);
    c.id = "key_" + hash;
    return c;
  };
  insert_cred(key("k1", "usr_1"));  // active
  auto revoked = key("k2", "usr_1");
  revoked.revoked_at = 1;
  insert_cred(revoked);
  auto expired = key("k3", "usr_1");
  expired.expires_at = 1;  // long ago
  insert_cred(expired);
  auto later = key("k4", "usr_1");
  later.expires_at = now_ms() + 3'600'000;
  insert_cred(later);  // active
  insert_cred(key("k5", "usr_2"));
  auto refresh = make_cred("r1", "refresh", "usr_1");  // not a key
  insert_cred(refresh);

  auto ann = stats("usr_1");
  BOOST_TEST(ann["agents"]["total"].get<int>() == 2);
  BOOST_TEST(ann["agents"]["online"].get<int>() == 1);
  BOOST_TEST(ann["agents"]["offline"].get<int>() == 1);
  BOOST_TEST(ann["api_keys"].get<int>() == 2);
  BOOST_TEST(!ann.contains("users"));
  BOOST_TEST(!ann["agents"].contains("owned"));

  auto nobody = stats("usr_none");
  BOOST_TEST(nobody["agents"]["total"].get<int>() == 0);
  BOOST_TEST(nobody["api_keys"].get<int>() == 0);

  auto node = stats("");
  BOOST_TEST(node["users"]["total"].get<int>() == 3);
  BOOST_TEST(node["users"]["admins"].get<int>() == 1);
  BOOST_TEST(node["agents"]["total"].get<int>() == 4);
  BOOST_TEST(node["agents"]["online"].get<int>() == 1);
  BOOST_TEST(node["agents"]["offline"].get<int>() == 3);
  BOOST_TEST(node["agents"]["owned"].get<int>() == 3);
  BOOST_TEST(node["api_keys"].get<int>() == 3);
}

BOOST_AUTO_TEST_CASE(an_empty_node_has_zero_counts) {
  auto node = stats("");
  BOOST_TEST(node["users"]["total"].get<int>() == 0);
  BOOST_TEST(node["agents"]["total"].get<int>() == 0);
  BOOST_TEST(node["agents"]["owned"].get<int>() == 0);
  BOOST_TEST(node["api_keys"].get<int>() == 0);
}

BOOST_AUTO_TEST_CASE(users_are_listed_by_search_role_and_page) {
  auto add = [&](const std::string& id, const std::string& email, const std::string& name,
                 const std::string& role = "user") {
    auto u = make_user(id, email, role);
    u.display_name = name;
    insert_user(u);
  };
  add("usr_a", "ann@example.org", "Ann Smith");
  add("usr_b", "bob@corp.test", "Bob 100% Real", "admin");
  add("usr_c", "carol@example.org", "Carol_Jones");
  add("usr_d", "dave@corp.test", "Dave SMITHERS");
  add("usr_e", "eve@example.org", "Eve", "admin");

  user_query q;
  BOOST_TEST(user_ids(q) == (ids{"usr_a", "usr_b", "usr_c", "usr_d", "usr_e"}),
             boost::test_tools::per_element());
  q.search = "SMITH";  // case-insensitive, in the display name
  BOOST_TEST(user_ids(q) == (ids{"usr_a", "usr_d"}), boost::test_tools::per_element());
  q.search = "CORP.test";  // in the email
  BOOST_TEST(user_ids(q) == (ids{"usr_b", "usr_d"}), boost::test_tools::per_element());
  q.search = "0% r";  // '%' is literal
  BOOST_TEST(user_ids(q) == (ids{"usr_b"}), boost::test_tools::per_element());
  q.search = "l_j";  // '_' is literal: matches "Carol_Jones" only
  BOOST_TEST(user_ids(q) == (ids{"usr_c"}), boost::test_tools::per_element());
  q.search = "%";
  BOOST_TEST(user_ids(q) == (ids{"usr_b"}), boost::test_tools::per_element());
  // Case is folded in ASCII only, the same on both databases: "élise" does
  // not find "Élise" (PostgreSQL's own LOWER would).
  add("usr_f", "elise@example.net", "\xC3\x89lise");
  q.search = "\xC3\xA9lise";
  BOOST_TEST(user_ids(q).empty());
  q.search = "\xC3\x89lise";
  BOOST_TEST(user_ids(q) == (ids{"usr_f"}), boost::test_tools::per_element());
  q.search = "";
  q.role = "admin";
  BOOST_TEST(user_ids(q) == (ids{"usr_b", "usr_e"}), boost::test_tools::per_element());
  q.role = "";
  q.search = "example.org";  // not usr_f's example.net
  q.limit = 2;
  auto page = ask<user_page>(readers, atom::user_list::value, q);
  BOOST_TEST_REQUIRE(static_cast<bool>(page));
  BOOST_TEST_REQUIRE(page->users.size() == 2u);
  BOOST_TEST(page->users[0].id == "usr_a");
  BOOST_TEST(page->users[1].id == "usr_c");
  BOOST_TEST(page->next_after_id == "usr_c");
  q.after_id = page->next_after_id;
  page = ask<user_page>(readers, atom::user_list::value, q);
  BOOST_TEST_REQUIRE(static_cast<bool>(page));
  BOOST_TEST_REQUIRE(page->users.size() == 1u);
  BOOST_TEST(page->users[0].id == "usr_e");
  BOOST_TEST(page->next_after_id == "");
}

BOOST_AUTO_TEST_CASE(agents_are_listed_by_owner_and_search) {
  auto add = [&](const std::string& id, const std::string& name, const std::string& owner) {
    auto a = make_agent(id);
    a.name = name;
    a.owner_id = owner;
    insert_agent(a);
  };
  add("did:key:z6MkA1", "100% Uptime Bot", "usr_1");
  add("did:key:z6MkB2", "1000 uptime bot", "usr_1");
  add("did:key:z6MkC3", "Weather_Agent", "usr_2");
  add("did:key:z6MkD4", "WeatherXAgent", "");

  auto got = read("did:key:z6MkA1");
  BOOST_TEST_REQUIRE(static_cast<bool>(got));
  BOOST_TEST(got->owner_id == "usr_1");

  agent_query q;
  q.owner_id = "usr_1";
  BOOST_TEST(agent_ids(q) == (ids{"did:key:z6MkA1", "did:key:z6MkB2"}),
             boost::test_tools::per_element());
  q.owner_id = "usr_2";
  BOOST_TEST(agent_ids(q) == (ids{"did:key:z6MkC3"}), boost::test_tools::per_element());
  q.owner_id = "";
  q.search = "0% UP";  // literal '%', any case
  BOOST_TEST(agent_ids(q) == (ids{"did:key:z6MkA1"}), boost::test_tools::per_element());
  q.search = "uptime";
  BOOST_TEST(agent_ids(q) == (ids{"did:key:z6MkA1", "did:key:z6MkB2"}),
             boost::test_tools::per_element());
  q.search = "r_a";  // literal '_'
  BOOST_TEST(agent_ids(q) == (ids{"did:key:z6MkC3"}), boost::test_tools::per_element());
  q.search = "Z6MKd";  // in the id
  BOOST_TEST(agent_ids(q) == (ids{"did:key:z6MkD4"}), boost::test_tools::per_element());
  q.search = "weather";
  q.owner_id = "usr_2";  // filters combine
  BOOST_TEST(agent_ids(q) == (ids{"did:key:z6MkC3"}), boost::test_tools::per_element());
  q.owner_id = "";
  q.limit = 1;
  auto page = ask<agent_page>(readers, atom::list::value, q);
  BOOST_TEST_REQUIRE(static_cast<bool>(page));
  BOOST_TEST_REQUIRE(page->agents.size() == 1u);
  BOOST_TEST(page->next_after_id == "did:key:z6MkC3");
}

BOOST_AUTO_TEST_CASE(replacing_a_card_keeps_the_owner) {
  auto a = make_agent("a1");
  a.owner_id = "usr_1";
  insert_agent(a);
  write_op replace;
  replace.kind = write_op::replace_card;
  replace.agent = a;
  replace.agent.owner_id = "usr_2";  // ignored
  replace.agent.name = "renamed";
  BOOST_TEST(outcome(write(replace)) == ec::none);
  auto got = read("a1");
  BOOST_TEST(got->name == "renamed");
  BOOST_TEST(got->owner_id == "usr_1");
}

BOOST_AUTO_TEST_CASE(a_failed_account_write_in_a_group_undoes_the_group) {
  insert_user(make_user("usr_1", "ann@example.org"));
  auto r1 = make_cred("h_r1", "refresh", "usr_1");
  r1.family = "f";
  insert_cred(r1);
  auto r2 = r1;
  r2.hash = "h_r2";
  // Rotation succeeds, then the duplicate email fails: neither stays.
  std::vector<write_op> group{
      rotate_op("h_r1", r2, 10),
      user_op(write_op::insert_user, make_user("usr_2", "ann@example.org"))};
  auto res = ask<caf::ok_atom>(writer, atom::write::value, group);
  BOOST_TEST(outcome(res) == ec::conflict);
  BOOST_TEST(cred("h_r1")->used_at == 0);
  BOOST_TEST(outcome(cred("h_r2")) == ec::not_found);
}

BOOST_AUTO_TEST_SUITE_END()
