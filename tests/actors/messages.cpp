// Every registered message type survives CAF's binary serialization (as a
// value, and inside a caf::message, which needs the registration), and
// Tessera's errors keep their code and message.
#include <boost/test/unit_test.hpp>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include <bit>
#include <cmath>
#include <limits>

#include "actors/messages.hpp"
#include "support.hpp"

using namespace tessera;

namespace {

struct system_fixture {
  system_fixture() {
    register_messages(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
  }
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;

  /// Serializes `x` and reads it back into a default-constructed T.
  template <class T>
  T round_trip(T x) {
    std::vector<char> buf;
    caf::binary_serializer sink{*sys, buf};
    auto err = sink(x);
    BOOST_TEST_REQUIRE(!err, "serialize: " << sys->render(err));
    BOOST_TEST_REQUIRE(!buf.empty());
    T y;
    caf::binary_deserializer source{*sys, buf};
    err = source(y);
    BOOST_TEST_REQUIRE(!err, "deserialize: " << sys->render(err));
    return y;
  }

  /// The same, wrapped in a caf::message: the type goes by its registered
  /// name, so this fails for a type register_messages forgot.
  template <class T>
  T message_round_trip(const T& x) {
    auto msg = caf::make_message(x);
    std::vector<char> buf;
    caf::binary_serializer sink{*sys, buf};
    auto err = sink(msg);
    BOOST_TEST_REQUIRE(!err, "serialize: " << sys->render(err));
    caf::message back;
    caf::binary_deserializer source{*sys, buf};
    err = source(back);
    BOOST_TEST_REQUIRE(!err, "deserialize: " << sys->render(err));
    BOOST_TEST_REQUIRE(back.match_elements<T>());
    return back.get_as<T>(0);
  }
};

agent_record full_record(const std::string& id) {
  agent_record rec;
  rec.id = id;
  rec.card = R"({"name":"ünïcode ✓","skills":[{"id":"s"}],"nul":"a\u0000b"})";
  rec.card.push_back('\0');  // embedded NUL survives too
  rec.card += "tail";
  rec.name = "Agent " + id;
  rec.protocols = {"a2a", "mcp", "acp"};
  rec.skills = {"search", "summarize"};
  rec.tags = {"", "t2"};
  rec.status = "online";
  rec.registered_at = std::numeric_limits<int64_t>::min();
  rec.updated_at = std::numeric_limits<int64_t>::max();
  rec.last_seen = -42;
  rec.owner_id = "usr_owner";
  rec.url = "https://agent.example/ünï";
  rec.verified = true;
  rec.verified_at = -9;
  return rec;
}

user_record full_user(const std::string& id) {
  return {id, "ünï@example.org", "Ünïcode ✓", "admin", "$argon2id$v=19$m=65536,t=2,p=1$x$y", -1,
          std::numeric_limits<int64_t>::max()};
}

credential full_credential(const std::string& hash) {
  return {hash, "api_key", "key_1", "usr_1", "fam_1", "did:key:z6Mk", "ci ✓", "tsk_AbC", 1,
          std::numeric_limits<int64_t>::max(), -3, std::numeric_limits<int64_t>::min()};
}

audit_entry full_audit(int64_t seq) {
  return {seq, 1'700'000'000'123, "login_failed", "", "usr_1", "2001:db8::1",
          R"({"reason":"bad_password","nul":"a\u0000b"})", std::string(64, 'a'),
          std::string(64, 'b')};
}

void check_same(const agent_record& a, const agent_record& b) {
  BOOST_TEST(a.id == b.id);
  BOOST_TEST(a.card == b.card);
  BOOST_TEST(a.name == b.name);
  BOOST_TEST(a.protocols == b.protocols, boost::test_tools::per_element());
  BOOST_TEST(a.skills == b.skills, boost::test_tools::per_element());
  BOOST_TEST(a.tags == b.tags, boost::test_tools::per_element());
  BOOST_TEST(a.status == b.status);
  BOOST_TEST(a.registered_at == b.registered_at);
  BOOST_TEST(a.updated_at == b.updated_at);
  BOOST_TEST(a.last_seen == b.last_seen);
  BOOST_TEST(a.owner_id == b.owner_id);
  BOOST_TEST(a.url == b.url);
  BOOST_TEST(a.verified == b.verified);
  BOOST_TEST(a.verified_at == b.verified_at);
}

void check_same(const user_record& a, const user_record& b) {
  BOOST_TEST(a.id == b.id);
  BOOST_TEST(a.email == b.email);
  BOOST_TEST(a.display_name == b.display_name);
  BOOST_TEST(a.role == b.role);
  BOOST_TEST(a.password_hash == b.password_hash);
  BOOST_TEST(a.created_at == b.created_at);
  BOOST_TEST(a.updated_at == b.updated_at);
}

void check_same(const user_query& a, const user_query& b) {
  BOOST_TEST(a.search == b.search);
  BOOST_TEST(a.role == b.role);
  BOOST_TEST(a.after_id == b.after_id);
  BOOST_TEST(a.limit == b.limit);
}

void check_same(const credential& a, const credential& b) {
  BOOST_TEST(a.hash == b.hash);
  BOOST_TEST(a.kind == b.kind);
  BOOST_TEST(a.id == b.id);
  BOOST_TEST(a.user_id == b.user_id);
  BOOST_TEST(a.family == b.family);
  BOOST_TEST(a.agent_id == b.agent_id);
  BOOST_TEST(a.name == b.name);
  BOOST_TEST(a.prefix == b.prefix);
  BOOST_TEST(a.created_at == b.created_at);
  BOOST_TEST(a.expires_at == b.expires_at);
  BOOST_TEST(a.used_at == b.used_at);
  BOOST_TEST(a.revoked_at == b.revoked_at);
}

void check_same(const audit_entry& a, const audit_entry& b) {
  BOOST_TEST(a.seq == b.seq);
  BOOST_TEST(a.at == b.at);
  BOOST_TEST(a.action == b.action);
  BOOST_TEST(a.actor == b.actor);
  BOOST_TEST(a.target == b.target);
  BOOST_TEST(a.remote == b.remote);
  BOOST_TEST(a.detail == b.detail);
  BOOST_TEST(a.prev_hash == b.prev_hash);
  BOOST_TEST(a.hash == b.hash);
}

void check_same(const audit_query& a, const audit_query& b) {
  BOOST_TEST(a.action == b.action);
  BOOST_TEST(a.before_seq == b.before_seq);
  BOOST_TEST(a.limit == b.limit);
}

void check_same(const agent_query& a, const agent_query& b) {
  BOOST_TEST(a.protocol == b.protocol);
  BOOST_TEST(a.skill == b.skill);
  BOOST_TEST(a.tag == b.tag);
  BOOST_TEST(a.status == b.status);
  BOOST_TEST(a.owner_id == b.owner_id);
  BOOST_TEST(a.search == b.search);
  BOOST_TEST(a.after_id == b.after_id);
  BOOST_TEST(a.limit == b.limit);
}

void check_same(const agent_page& a, const agent_page& b) {
  BOOST_TEST_REQUIRE(a.agents.size() == b.agents.size());
  for (size_t i = 0; i < a.agents.size(); ++i)
    check_same(a.agents[i], b.agents[i]);
  BOOST_TEST(a.next_after_id == b.next_after_id);
}

void check_same(const agent_event& a, const agent_event& b) {
  BOOST_TEST(a.kind == b.kind);
  BOOST_TEST(a.agent_id == b.agent_id);
  BOOST_TEST(a.at == b.at);
}

void check_same(const heartbeat_ack& a, const heartbeat_ack& b) {
  BOOST_TEST(a.status == b.status);
  BOOST_TEST(a.next_deadline == b.next_deadline);
}

/// Doubles must come back bit for bit (scores are replayed exactly).
void check_same_bits(double a, double b) {
  BOOST_TEST(std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b));
}

void check_same(const reputation::score_state& a, const reputation::score_state& b) {
  check_same_bits(a.score, b.score);
  BOOST_TEST(a.updated_at == b.updated_at);
  BOOST_TEST(a.events == b.events);
  BOOST_TEST(a.last_heartbeat_credit == b.last_heartbeat_credit);
  BOOST_TEST(a.pass_credited == b.pass_credited);
}

void check_same(const reputation_change& a, const reputation_change& b) {
  BOOST_TEST(a.agent_id == b.agent_id);
  BOOST_TEST(a.kind == b.kind);
  BOOST_TEST(a.at == b.at);
  check_same_bits(a.score_before, b.score_before);
  check_same_bits(a.score_after, b.score_after);
  check_same(a.state, b.state);
  BOOST_TEST(a.rank.cls == b.rank.cls);
  check_same_bits(a.rank.mag, b.rank.mag);
}

void check_same(const reputation_entry& a, const reputation_entry& b) {
  BOOST_TEST(a.seq == b.seq);
  BOOST_TEST(a.kind == b.kind);
  BOOST_TEST(a.at == b.at);
  check_same_bits(a.score_before, b.score_before);
  check_same_bits(a.score_after, b.score_after);
}

/// Doubles that a lossy encoding would change: not short in decimal, the
/// smallest normal. (CAF 0.17's encoding does not keep subnormals or the sign
/// of zero: a score never is -0, and would need thousands of failures in a
/// row, with no time to decay, to become subnormal.)
reputation_change full_change(const std::string& id) {
  return {id, "heartbeat_missed", std::numeric_limits<int64_t>::max(), 0.1 + 0.2,
          std::numeric_limits<double>::min(),
          {1.0, -1, std::numeric_limits<int64_t>::max(), reputation::never, true},
          {-1, -std::numeric_limits<double>::max()}};
}

category full_category(const std::string& id) {
  return {id, "Dätä ✓", "all about data", -1, std::numeric_limits<int64_t>::max()};
}

review full_review(const std::string& id) {
  return {id, "did:key:z6Mk", "usr_1", "Ünï", 5, "great ✓", std::numeric_limits<int64_t>::min(),
          7, "review_negative", true};
}

report full_report(const std::string& id) {
  return {id,       "usr_1",  "review", "rev_1", "impersonation", "details ✓",
          "actioned", "note", "usr_admin", -5,   std::numeric_limits<int64_t>::max()};
}

void check_same(const category& a, const category& b) {
  BOOST_TEST((std::tie(a.id, a.name, a.description, a.created_at, a.updated_at) ==
             std::tie(b.id, b.name, b.description, b.created_at, b.updated_at)));
}

void check_same(const review& a, const review& b) {
  BOOST_TEST((std::tie(a.id, a.agent_id, a.user_id, a.author, a.rating, a.text, a.created_at,
                      a.updated_at, a.credited, a.deleted) ==
             std::tie(b.id, b.agent_id, b.user_id, b.author, b.rating, b.text, b.created_at,
                      b.updated_at, b.credited, b.deleted)));
}

void check_same(const report& a, const report& b) {
  BOOST_TEST((std::tie(a.id, a.reporter_id, a.target_kind, a.target_id, a.reason, a.details,
                      a.status, a.note, a.resolved_by, a.created_at, a.updated_at) ==
             std::tie(b.id, b.reporter_id, b.target_kind, b.target_id, b.reason, b.details,
                      b.status, b.note, b.resolved_by, b.created_at, b.updated_at)));
}

reputation_entry full_entry(int64_t seq) {
  return {seq, "call_timeout", -7, 1.0 / 3.0, std::nextafter(1.0, 0.0)};
}

// Declared ahead of the vector overload, which looks it up at definition.
void check_same(const write_op& a, const write_op& b);

template <class T>
void check_same(const std::vector<T>& a, const std::vector<T>& b) {
  BOOST_TEST_REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i)
    check_same(a[i], b[i]);
}

void check_same(const reputation_view& a, const reputation_view& b) {
  BOOST_TEST(a.scored == b.scored);
  check_same(a.state, b.state);
  check_same(a.history, b.history);
}

void check_same(const user_page& a, const user_page& b) {
  check_same(a.users, b.users);
  BOOST_TEST(a.next_after_id == b.next_after_id);
}

void check_same(const write_op& a, const write_op& b) {
  BOOST_TEST(a.kind == b.kind);
  check_same(a.agent, b.agent);
  check_same(a.user, b.user);
  check_same(a.cred, b.cred);
  check_same(a.audit, b.audit);
  check_same(a.reputation, b.reputation);
  check_same(a.cat, b.cat);
  check_same(a.rev, b.rev);
  check_same(a.rep, b.rep);
  BOOST_TEST(a.names == b.names, boost::test_tools::per_element());
  BOOST_TEST(a.key == b.key);
  BOOST_TEST(a.at == b.at);
}

/// A write_op with every member set.
write_op full_write(write_op::kind_t kind, const std::string& id) {
  write_op op;
  op.kind = kind;
  op.agent = full_record(id);
  op.user = full_user("usr_" + id);
  op.cred = full_credential("h_" + id);
  op.audit = full_audit(7);
  op.reputation = full_change(id);
  op.cat = full_category("cat-" + id);
  op.rev = full_review("rev_" + id);
  op.rep = full_report("rep_" + id);
  op.names = {"a", "", "ü"};
  op.key = "key_" + id;
  op.at = 1'700'000'000'999;
  return op;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(messages, system_fixture)

BOOST_AUTO_TEST_CASE(agent_record_round_trip) {
  auto rec = full_record("a1");
  check_same(round_trip(rec), rec);
  check_same(message_round_trip(rec), rec);
  agent_record empty;
  check_same(round_trip(empty), empty);
  std::vector<agent_record> many{full_record("a1"), agent_record{}, full_record("a2")};
  check_same(round_trip(many), many);
  check_same(message_round_trip(many), many);
}

BOOST_AUTO_TEST_CASE(agent_query_round_trip) {
  agent_query q;
  q.protocol = "mcp";
  q.skill = "search";
  q.tag = "t";
  q.status = "online";
  q.owner_id = "usr_1";
  q.search = "50% off_";
  q.after_id = "did:key:z6Mk";
  q.limit = -7;
  check_same(round_trip(q), q);
  check_same(message_round_trip(q), q);
}

BOOST_AUTO_TEST_CASE(agent_page_round_trip) {
  agent_page page;
  page.agents = {full_record("p1"), full_record("p2")};
  page.next_after_id = "p2";
  check_same(round_trip(page), page);
  check_same(message_round_trip(page), page);
  agent_page last;
  check_same(message_round_trip(last), last);
}

BOOST_AUTO_TEST_CASE(agent_event_round_trip) {
  agent_event ev{"agent_deregistered", "did:key:abc", 1'700'000'000'123};
  check_same(round_trip(ev), ev);
  check_same(message_round_trip(ev), ev);
}

BOOST_AUTO_TEST_CASE(heartbeat_ack_round_trip) {
  heartbeat_ack ack{"online", std::numeric_limits<int64_t>::max() - 1};
  check_same(round_trip(ack), ack);
  check_same(message_round_trip(ack), ack);
}

BOOST_AUTO_TEST_CASE(write_op_round_trip) {
  for (auto kind :
       {write_op::insert_agent, write_op::replace_card, write_op::delete_agent,
        write_op::set_status, write_op::touch, write_op::insert_user, write_op::update_user,
        write_op::delete_user, write_op::insert_credential, write_op::rotate_refresh,
        write_op::revoke_family, write_op::revoke_user_refresh, write_op::revoke_api_key,
        write_op::touch_credential, write_op::use_claim, write_op::append_audit,
        write_op::record_reputation, write_op::set_verified, write_op::insert_category,
        write_op::update_category, write_op::delete_category, write_op::set_categories,
        write_op::put_review, write_op::delete_review, write_op::insert_report,
        write_op::update_report, write_op::delete_report}) {
    auto op = full_write(kind, "w" + std::to_string(kind));
    check_same(round_trip(op), op);
    check_same(message_round_trip(op), op);
  }
}

BOOST_AUTO_TEST_CASE(write_op_vector_round_trip) {
  auto a = full_write(write_op::insert_agent, "v1");
  write_op b;
  b.kind = write_op::touch;
  b.agent.id = "v2";
  b.agent.last_seen = 123456789;
  std::vector<write_op> ops{a, b};
  check_same(round_trip(ops), ops);
  check_same(message_round_trip(ops), ops);
  std::vector<write_op> none;
  check_same(message_round_trip(none), none);
}

BOOST_AUTO_TEST_CASE(user_record_round_trip) {
  auto u = full_user("usr_1");
  check_same(round_trip(u), u);
  check_same(message_round_trip(u), u);
  user_record empty;
  check_same(message_round_trip(empty), empty);
}

BOOST_AUTO_TEST_CASE(user_query_round_trip) {
  user_query q{"ann%_", "admin", "usr_9", -3};
  check_same(round_trip(q), q);
  check_same(message_round_trip(q), q);
}

BOOST_AUTO_TEST_CASE(user_page_round_trip) {
  user_page page{{full_user("usr_1"), user_record{}, full_user("usr_2")}, "usr_2"};
  check_same(round_trip(page), page);
  check_same(message_round_trip(page), page);
  user_page last;
  check_same(message_round_trip(last), last);
}

BOOST_AUTO_TEST_CASE(credential_round_trip) {
  auto c = full_credential("h1");
  check_same(round_trip(c), c);
  check_same(message_round_trip(c), c);
  std::vector<credential> many{full_credential("h1"), credential{}, full_credential("h2")};
  check_same(round_trip(many), many);
  check_same(message_round_trip(many), many);
  std::vector<credential> none;
  check_same(message_round_trip(none), none);
}

BOOST_AUTO_TEST_CASE(audit_entry_round_trip) {
  auto e = full_audit(std::numeric_limits<int64_t>::max());
  check_same(round_trip(e), e);
  check_same(message_round_trip(e), e);
  std::vector<audit_entry> many{full_audit(1), audit_entry{}, full_audit(3)};
  check_same(round_trip(many), many);
  check_same(message_round_trip(many), many);
  std::vector<audit_entry> none;
  check_same(message_round_trip(none), none);
}

BOOST_AUTO_TEST_CASE(audit_query_round_trip) {
  audit_query q{"login_failed", 12345678901, 7};
  check_same(round_trip(q), q);
  check_same(message_round_trip(q), q);
}

BOOST_AUTO_TEST_CASE(reputation_change_round_trip) {
  auto c = full_change("r1");
  check_same(round_trip(c), c);
  check_same(message_round_trip(c), c);
  check_same(message_round_trip(c.state), c.state);
}

BOOST_AUTO_TEST_CASE(reputation_view_round_trip) {
  reputation_view v{true, full_change("r2").state, {full_entry(3), reputation_entry{}, full_entry(1)}};
  check_same(round_trip(v), v);
  check_same(message_round_trip(v), v);
  check_same(message_round_trip(v.history), v.history);
  reputation_view empty;
  check_same(message_round_trip(empty), empty);
}

BOOST_AUTO_TEST_CASE(directory_types_round_trip) {
  directory_query q{"search", "mcp",  "online", "data", "t", "\"quoted\" words*", 1, true, -1,
                    -1.5,     "name", true,     1,      std::nextafter(692.0, 0.0), "Ä name",
                    -3,       "did:key:z6Mk", -5};
  auto q2 = message_round_trip(q);
  BOOST_TEST((std::tie(q2.skill, q2.protocol, q2.status, q2.category, q2.tag, q2.text, q2.verified,
                      q2.has_min_rank, q2.min_rank_class, q2.sort, q2.has_after, q2.after_class,
                      q2.after_text, q2.after_int, q2.after_id, q2.limit) ==
             std::tie(q.skill, q.protocol, q.status, q.category, q.tag, q.text, q.verified,
                      q.has_min_rank, q.min_rank_class, q.sort, q.has_after, q.after_class,
                      q.after_text, q.after_int, q.after_id, q.limit)));
  check_same_bits(q2.min_rank_mag, q.min_rank_mag);
  check_same_bits(q2.after_mag, q.after_mag);

  directory_entry e{full_record("d1"), true, full_change("d1").state, -1, 1.0 / 3.0, {"a", "b"}};
  directory_page page{{e, directory_entry{}}, true};
  auto page2 = message_round_trip(page);
  BOOST_TEST_REQUIRE(page2.entries.size() == 2u);
  BOOST_TEST(page2.more);
  const auto& e2 = page2.entries[0];
  check_same(e2.agent, e.agent);
  BOOST_TEST(e2.scored);
  check_same(e2.state, e.state);
  BOOST_TEST(e2.rank_class == -1);
  check_same_bits(e2.rank_mag, e.rank_mag);
  BOOST_TEST(e2.categories == e.categories, boost::test_tools::per_element());

  agent_profile profile{e, {3, 4.5, {0, 1, 0, 0, 2}}};
  auto profile2 = message_round_trip(profile);
  check_same(profile2.entry.agent, e.agent);
  BOOST_TEST(profile2.reviews.count == 3);
  check_same_bits(profile2.reviews.average, 4.5);
  BOOST_TEST(profile2.reviews.distribution == profile.reviews.distribution,
             boost::test_tools::per_element());
  auto rank = message_round_trip(reputation::rank_key{1, 0.5});
  BOOST_TEST(rank.cls == 1);
  check_same_bits(rank.mag, 0.5);
}

BOOST_AUTO_TEST_CASE(community_types_round_trip) {
  auto c = full_category("data-analysis");
  check_same(message_round_trip(c), c);
  std::vector<category> cats{c, category{}, full_category("x")};
  check_same(message_round_trip(cats), cats);

  auto r = full_review("rev_1");
  check_same(message_round_trip(r), r);
  review_query rq{"did:key:z6Mk", true, -4, "rev_0", 3};
  auto rq2 = message_round_trip(rq);
  BOOST_TEST((std::tie(rq2.agent_id, rq2.has_after, rq2.after_at, rq2.after_id, rq2.limit) ==
             std::tie(rq.agent_id, rq.has_after, rq.after_at, rq.after_id, rq.limit)));
  review_page rp{{r, review{}}, true};
  auto rp2 = message_round_trip(rp);
  check_same(rp2.reviews, rp.reviews);
  BOOST_TEST(rp2.more);
  review_summary sum{5, 3.2, {1, 0, 2, 0, 2}};
  auto sum2 = message_round_trip(sum);
  BOOST_TEST(sum2.count == 5);
  check_same_bits(sum2.average, 3.2);
  BOOST_TEST(sum2.distribution == sum.distribution, boost::test_tools::per_element());

  auto rep = full_report("rep_1");
  check_same(message_round_trip(rep), rep);
  report_query q{"open", true, 11, "rep_0", 50};
  auto q2 = message_round_trip(q);
  BOOST_TEST((std::tie(q2.status, q2.has_after, q2.after_at, q2.after_id, q2.limit) ==
             std::tie(q.status, q.has_after, q.after_at, q.after_id, q.limit)));
  report_page page{{rep}, true};
  auto page2 = message_round_trip(page);
  check_same(page2.reports, page.reports);
  BOOST_TEST(page2.more);

  verify_result v{"did:key:z6Mk", false, "bad signature ✓", "https://a.example", -1};
  auto v2 = message_round_trip(v);
  BOOST_TEST((std::tie(v2.agent_id, v2.passed, v2.reason, v2.url, v2.verified_at) ==
             std::tie(v.agent_id, v.passed, v.reason, v.url, v.verified_at)));
}

BOOST_AUTO_TEST_CASE(bridge_types_round_trip) {
  bridge::mcp_session s{"did:key:z6Mk", "backend-session ✓", "2025-11-25", 1'700'000'000'000};
  auto s2 = message_round_trip(s);
  BOOST_TEST((std::tie(s2.agent_id, s2.backend_session, s2.protocol_version, s2.last_used) ==
             std::tie(s.agent_id, s.backend_session, s.protocol_version, s.last_used)));

  bridge::answer_head h{404, {"Content-Type", "application/json"}, R"({"e":1})", true, "timeout",
                        "slow ✓"};
  auto h2 = message_round_trip(h);
  BOOST_TEST((std::tie(h2.status, h2.headers, h2.body, h2.streamed, h2.error, h2.message) ==
             std::tie(h.status, h.headers, h.body, h.streamed, h.error, h.message)));
  BOOST_TEST(h2.header("content-type") == "application/json");
}

BOOST_AUTO_TEST_CASE(a_message_with_atoms_and_records_round_trips) {
  // As a request to the writer looks on the wire.
  auto op = full_write(write_op::replace_card, "m1");
  auto msg = caf::make_message(atom::write::value, op);
  std::vector<char> buf;
  caf::binary_serializer sink{*sys, buf};
  BOOST_TEST_REQUIRE(!sink(msg));
  caf::message back;
  caf::binary_deserializer source{*sys, buf};
  BOOST_TEST_REQUIRE(!source(back));
  BOOST_TEST_REQUIRE((back.match_elements<atom::write, write_op>()));
  check_same(back.get_as<write_op>(1), op);
}

BOOST_AUTO_TEST_CASE(tessera_errors_keep_code_and_message) {
  auto err = make_error(ec::agent_exists, "an agent with id x is already registered");
  BOOST_TEST(static_cast<bool>(err));
  BOOST_TEST(err.category() == error_category);
  auto p = to_problem(err);
  BOOST_TEST(p.code == ec::agent_exists);
  BOOST_TEST(p.message == "an agent with id x is already registered");
  // Through serialization (as between nodes) too.
  auto back = round_trip(err);
  auto q = to_problem(back);
  BOOST_TEST(q.code == ec::agent_exists);
  BOOST_TEST(q.message == p.message);
  // The registered renderer names the code and keeps the message.
  auto text = sys->render(err);
  BOOST_TEST(text.find("agent_exists") != std::string::npos, text);
  BOOST_TEST(text.find("already registered") != std::string::npos, text);
  // Every code maps back to itself.
  for (auto code : {ec::invalid_request, ec::invalid_signature, ec::forbidden, ec::not_found,
                    ec::agent_exists, ec::conflict, ec::payload_too_large, ec::timeout,
                    ec::unavailable, ec::internal}) {
    auto r = to_problem(make_error(code, "m"));
    BOOST_TEST(static_cast<int>(r.code) == static_cast<int>(code));
    BOOST_TEST(r.message == "m");
  }
}

BOOST_AUTO_TEST_CASE(caf_errors_map_to_problems) {
  BOOST_TEST(static_cast<int>(to_problem(caf::error{}).code) == static_cast<int>(ec::none));
  BOOST_TEST(static_cast<int>(to_problem(caf::make_error(caf::sec::request_timeout)).code) ==
             static_cast<int>(ec::timeout));
  BOOST_TEST(static_cast<int>(to_problem(caf::make_error(caf::sec::request_receiver_down)).code) ==
             static_cast<int>(ec::unavailable));
  BOOST_TEST(static_cast<int>(to_problem(caf::make_error(caf::sec::unexpected_message)).code) ==
             static_cast<int>(ec::internal));
}

BOOST_AUTO_TEST_CASE(an_error_crosses_the_mailbox_intact) {
  // An actor answers with a tessera error; the requester sees code and message.
  auto answer = sys->spawn([]() -> caf::behavior {
    return {[](atom::get, const std::string& id) -> caf::result<agent_record> {
      return make_error(ec::not_found, "no agent with id " + id);
    }};
  });
  caf::scoped_actor self{*sys};
  problem p;
  self->request(answer, test::reply_timeout, atom::get::value, std::string{"zz"})
      .receive([](agent_record&) {}, [&](caf::error& err) { p = to_problem(err); });
  BOOST_TEST(static_cast<int>(p.code) == static_cast<int>(ec::not_found));
  BOOST_TEST(p.message == "no agent with id zz");
  self->send_exit(answer, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_SUITE_END()
