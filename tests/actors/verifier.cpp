// The verifier against the real writer and readers, with recorders in place
// of the reputation engine and the audit log. Endpoints that answer are the
// integration suite's (tests/integration/verify.cpp); here the cheap paths.
#include "actors/verifier.hpp"

#include "support.hpp"

using namespace tessera;
using namespace tessera::test;

namespace {

// What a recorder received, as its status: {"seen":[...]}.
struct recorder_state {
  std::vector<std::string> seen;
  static inline const char* name = "recorder";
};

reputation_actor::behavior_type reputation_recorder(
    reputation_actor::stateful_pointer<recorder_state> self) {
  return {
      [](const agent_event&) {},
      [=](atom::credit, const std::string& id, const std::string& kind, int64_t) {
        self->state.seen.push_back(id + " " + kind);
      },
      [=](atom::status) { return nlohmann::json{{"seen", self->state.seen}}.dump(); },
  };
}

audit_log_actor::behavior_type audit_recorder(
    audit_log_actor::stateful_pointer<recorder_state> self) {
  return {
      [=](const audit_entry& e) { self->state.seen.push_back(e.action + " " + e.target); },
      [=](atom::status) { return nlohmann::json{{"seen", self->state.seen}}.dump(); },
  };
}

struct verifier_fixture : actor_fixture {
  reputation_actor reputation = own(sys->spawn(reputation_recorder));
  audit_log_actor audit = own(sys->spawn(audit_recorder));

  verifier_actor spawn_verifier() {
    verifier_config vc;  // no allow list: every loopback endpoint is blocked
    return own(sys->spawn(verifier, vc, readers, writer, reputation, audit));
  }

  void insert(const std::string& id, const std::string& url) {
    auto rec = make_agent(id);
    rec.url = url;
    BOOST_REQUIRE(write(insert_op(rec)));
  }

  caf::expected<verify_result> verify(const verifier_actor& v, const std::string& id) {
    return ask<verify_result>(v, atom::verify::value, id, std::string("usr_tester"),
                              std::string("127.0.0.9"));
  }

  template <class Handle>
  std::vector<std::string> seen(const Handle& h) {
    return status_of(h)["seen"].template get<std::vector<std::string>>();
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(verifier, verifier_fixture)

BOOST_AUTO_TEST_CASE(an_unknown_agent_is_not_found) {
  auto v = spawn_verifier();
  auto r = verify(v, "z6MkNobody");
  BOOST_REQUIRE(!r);
  BOOST_TEST(code_of(r.error()) == ec::not_found);
  BOOST_TEST(status_of(v)["running"] == 0);
  BOOST_TEST(status_of(v)["workers_busy"] == 0);
}

BOOST_AUTO_TEST_CASE(an_agent_without_a_url_is_refused_without_a_challenge) {
  auto v = spawn_verifier();
  insert("z6MkNoUrl", "");
  auto r = verify(v, "z6MkNoUrl");
  BOOST_REQUIRE(!r);
  BOOST_TEST(code_of(r.error()) == ec::invalid_request);
  BOOST_TEST(to_problem(r.error()).message.find("no url") != std::string::npos);
  BOOST_TEST(status_of(v)["challenges"] == 0);
  BOOST_TEST(seen(reputation).empty());
  // Not an attempt: asking again is not rate limited.
  BOOST_TEST(code_of(verify(v, "z6MkNoUrl").error()) == ec::invalid_request);
}

BOOST_AUTO_TEST_CASE(a_blocked_endpoint_fails_is_credited_audited_and_rate_limited) {
  auto v = spawn_verifier();
  insert("z6MkBlocked", "http://127.0.0.1:1/agent");
  auto r = verify(v, "z6MkBlocked");
  BOOST_REQUIRE(r);
  BOOST_TEST(!r->passed);
  BOOST_TEST(r->url == "http://127.0.0.1:1/agent");
  BOOST_TEST(r->reason.find("loopback") != std::string::npos, r->reason);
  auto stored = read("z6MkBlocked");
  BOOST_REQUIRE(stored);
  BOOST_TEST(!stored->verified);
  BOOST_TEST(eventually([&] { return !seen(reputation).empty(); }));
  BOOST_TEST(seen(reputation) == std::vector<std::string>{"z6MkBlocked verification_failed"},
             boost::test_tools::per_element());
  BOOST_TEST(eventually([&] { return !seen(audit).empty(); }));
  BOOST_TEST(seen(audit) == std::vector<std::string>{"agent_verification_failed z6MkBlocked"},
             boost::test_tools::per_element());
  auto st = status_of(v);
  BOOST_TEST(st["failed"] == 1);
  BOOST_TEST(st["challenges"] == 0);  // the nonce was consumed
  BOOST_TEST(st["running"] == 0);
  BOOST_TEST(st["workers_busy"] == 0);

  auto again = verify(v, "z6MkBlocked");
  BOOST_REQUIRE(!again);
  BOOST_TEST(code_of(again.error()) == ec::rate_limited);
  BOOST_TEST(to_problem(again.error()).message.find("try again in 60 s") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
