// Every registered message type survives CAF's binary serialization (as a
// value, and inside a caf::message, which needs the registration), and
// Tessera's errors keep their code and message.
#include <boost/test/unit_test.hpp>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

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
  return rec;
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
}

void check_same(const agent_query& a, const agent_query& b) {
  BOOST_TEST(a.protocol == b.protocol);
  BOOST_TEST(a.skill == b.skill);
  BOOST_TEST(a.tag == b.tag);
  BOOST_TEST(a.status == b.status);
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

void check_same(const write_op& a, const write_op& b) {
  BOOST_TEST(a.kind == b.kind);
  check_same(a.agent, b.agent);
}

template <class T>
void check_same(const std::vector<T>& a, const std::vector<T>& b) {
  BOOST_TEST_REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i)
    check_same(a[i], b[i]);
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
  for (auto kind : {write_op::insert_agent, write_op::replace_card, write_op::delete_agent,
                    write_op::set_status, write_op::touch}) {
    write_op op;
    op.kind = kind;
    op.agent = full_record("w" + std::to_string(kind));
    check_same(round_trip(op), op);
    check_same(message_round_trip(op), op);
  }
}

BOOST_AUTO_TEST_CASE(write_op_vector_round_trip) {
  write_op a{write_op::insert_agent, full_record("v1")};
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

BOOST_AUTO_TEST_CASE(a_message_with_atoms_and_records_round_trips) {
  // As a request to the writer looks on the wire.
  write_op op{write_op::replace_card, full_record("m1")};
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
