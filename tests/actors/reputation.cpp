// The reputation engine on the real writer and readers: registry events
// become logged, scored events; concurrent events for one agent lose nothing;
// the stored state is its log replayed, bit for bit.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <bit>
#include <thread>

#include "actors/reputation.hpp"
#include "support.hpp"

using namespace tessera;
using namespace tessera::test;
// The suite is named `reputation` too, which would make the bare name ambiguous.
namespace rep = tessera::reputation;

namespace {

struct reputation_fixture : actor_fixture {
  rep::reputation_params params;  // the defaults

  reputation_actor spawn_engine() {
    reputation_config rc;
    rc.params = params;
    return own(sys->spawn(reputation_engine, rc, writer, readers));
  }

  void add_agent(const std::string& id) {
    BOOST_REQUIRE(write(insert_op(make_agent(id))));
  }

  caf::expected<reputation_view> view(const std::string& id, int32_t limit = 1000) {
    return ask<reputation_view>(readers, atom::reputation::value, id, int64_t{0}, limit);
  }

  int64_t stored_events(const std::string& id) {
    auto v = view(id, 0);
    return v && v->scored ? v->state.events : 0;
  }

  /// Waits until the engine has nothing queued or in flight and `n` events
  /// of `id` are stored.
  bool settled(const reputation_actor& engine, const std::string& id, int64_t n) {
    return eventually([&] {
      auto st = status_of(engine);
      return st.value("queued", -1) == 0 && stored_events(id) == n;
    });
  }

  /// The log, oldest first, as replay() takes it.
  std::vector<rep::logged_event> log_of(const reputation_view& v) {
    std::vector<rep::logged_event> log;
    for (auto it = v.history.rbegin(); it != v.history.rend(); ++it)
      log.push_back({*rep::parse_event_kind(it->kind), it->at});
    return log;
  }
};

agent_event event(const std::string& kind, const std::string& id, int64_t at) {
  return {kind, id, at};
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(reputation, reputation_fixture)

BOOST_AUTO_TEST_CASE(registry_events_are_scored_and_logged) {
  auto engine = spawn_engine();
  auto reg = spawn_registry(registry_config{});
  (*self)->send(reg, atom::subscribe::value, event_listener_actor{engine});
  BOOST_REQUIRE(ask<std::string>(reg, atom::status::value));  // subscribed by now
  BOOST_REQUIRE(ask<agent_record>(reg, atom::register_::value, make_agent("a1")));
  BOOST_REQUIRE(settled(engine, "a1", 1));
  auto v = view("a1");
  BOOST_REQUIRE(v);
  BOOST_REQUIRE(v->history.size() == 1u);
  BOOST_TEST(v->history[0].kind == "registered");
  BOOST_TEST(v->history[0].score_before == params.prior);
  BOOST_TEST(v->history[0].score_after == params.prior);  // registration is neutral
  BOOST_TEST(v->state.events == 1);
  BOOST_TEST(v->state.updated_at == v->history[0].at);

  BOOST_REQUIRE(ask<heartbeat_ack>(reg, atom::heartbeat::value, std::string{"a1"}));
  BOOST_REQUIRE(settled(engine, "a1", 2));
  v = view("a1");
  BOOST_REQUIRE(v);
  BOOST_REQUIRE(v->history.size() == 2u);
  BOOST_TEST(v->history[0].kind == "heartbeat_kept");  // newest first
  BOOST_TEST(v->history[0].score_after > v->history[0].score_before);
  BOOST_TEST(v->history[0].seq > v->history[1].seq);
}

BOOST_AUTO_TEST_CASE(concurrent_events_lose_nothing_and_replay_exactly) {
  add_agent("c1");
  auto engine = spawn_engine();
  constexpr int senders = 10;
  constexpr int per_sender = 5;
  int64_t base = 1'700'000'000'000;
  std::vector<std::thread> threads;
  for (int s = 0; s < senders; ++s)
    threads.emplace_back([&, s] {
      for (int i = 0; i < per_sender; ++i) {
        // Both always credited; times interleave out of order across senders.
        auto kind = (s + i) % 2 ? "agent_offline" : "agent_registered";
        caf::anon_send(engine, event(kind, "c1", base + (i * senders + s) * 60'000));
      }
    });
  for (auto& t : threads)
    t.join();
  constexpr int64_t total = senders * per_sender;
  BOOST_REQUIRE(settled(engine, "c1", total));
  BOOST_TEST(status_of(engine).value("dropped", -1) == 0);
  auto v = view("c1");
  BOOST_REQUIRE(v);
  BOOST_REQUIRE(v->scored);
  BOOST_TEST(v->state.events == total);
  BOOST_REQUIRE(static_cast<int64_t>(v->history.size()) == total);
  // Each event started from the score the previous one left (decayed).
  for (size_t i = 0; i + 1 < v->history.size(); ++i)
    BOOST_TEST(v->history[i].seq > v->history[i + 1].seq);
  auto replayed = rep::replay(log_of(*v), params);
  BOOST_TEST(std::bit_cast<uint64_t>(replayed.score) == std::bit_cast<uint64_t>(v->state.score));
  BOOST_TEST(replayed.updated_at == v->state.updated_at);
  BOOST_TEST(replayed.events == v->state.events);
  BOOST_TEST(replayed.last_heartbeat_credit == v->state.last_heartbeat_credit);
  BOOST_TEST(std::bit_cast<uint64_t>(v->history[0].score_after) ==
             std::bit_cast<uint64_t>(v->state.score));
}

BOOST_AUTO_TEST_CASE(heartbeats_are_credited_once_an_hour) {
  add_agent("h1");
  auto engine = spawn_engine();
  int64_t t = 1'700'000'000'000;
  (*self)->send(engine, event("agent_registered", "h1", t));
  (*self)->send(engine, event("agent_heartbeat", "h1", t + 1'000));  // credited: the first
  (*self)->send(engine, event("agent_heartbeat", "h1", t + 2'000));  // within the hour
  (*self)->send(engine, event("agent_heartbeat", "h1", t + rep::hour_ms));  // still within
  (*self)->send(engine, event("agent_heartbeat", "h1", t + 1'000 + rep::hour_ms));
  BOOST_REQUIRE(settled(engine, "h1", 3));
  BOOST_TEST(status_of(engine).value("uncredited", -1) == 2);
  auto v = view("h1");
  BOOST_REQUIRE(v);
  BOOST_REQUIRE(v->history.size() == 3u);
  BOOST_TEST(v->history[0].at == t + 1'000 + rep::hour_ms);
  BOOST_TEST(v->history[1].at == t + 1'000);
  BOOST_TEST(v->state.last_heartbeat_credit == t + 1'000 + rep::hour_ms);
}

BOOST_AUTO_TEST_CASE(going_offline_lowers_the_score) {
  add_agent("o1");
  auto engine = spawn_engine();
  int64_t t = 1'700'000'000'000;
  (*self)->send(engine, event("agent_registered", "o1", t));
  (*self)->send(engine, event("agent_offline", "o1", t + 1'000));
  BOOST_REQUIRE(settled(engine, "o1", 2));
  auto v = view("o1");
  BOOST_REQUIRE(v);
  BOOST_REQUIRE(v->history.size() == 2u);
  BOOST_TEST(v->history[0].kind == "heartbeat_missed");
  BOOST_TEST(v->history[0].score_after < v->history[0].score_before);
  BOOST_TEST(v->state.score < params.prior);
  // An offline agent's entry is released (before: kept for good, ~0.9 KB each).
  BOOST_TEST(eventually([&] { return status_of(engine).value("agents", -1) == 0; }));
  // And coming back loads the stored state: the credit goes on from it.
  (*self)->send(engine, event("agent_heartbeat", "o1", t + 2'000));
  BOOST_REQUIRE(settled(engine, "o1", 3));
  // (A second's decay toward the prior apart; starting over would be 0.025 off.)
  BOOST_TEST(view("o1")->history[0].score_before == v->state.score, boost::test_tools::tolerance(1e-6));
  BOOST_TEST(status_of(engine).value("agents", -1) == 1);  // online again: cached
}

BOOST_AUTO_TEST_CASE(credits_for_agents_not_online_are_not_kept) {
  add_agent("c1");
  auto engine = spawn_engine();
  (*self)->send(engine, atom::credit::value, std::string{"c1"}, std::string{"verification_passed"},
                int64_t{1'700'000'000'000});
  BOOST_REQUIRE(settled(engine, "c1", 1));
  BOOST_TEST(eventually([&] { return status_of(engine).value("agents", -1) == 0; }));
}

BOOST_AUTO_TEST_CASE(credited_events_go_to_the_agent_they_are_about_with_their_weight) {
  // A failed call from caller to callee is the callee's: only it is scored.
  add_agent("caller");
  add_agent("callee");
  auto engine = spawn_engine();
  int64_t t = 1'700'000'000'000;
  (*self)->send(engine, atom::credit::value, std::string{"callee"}, std::string{"call_error"}, t);
  (*self)->send(engine, atom::credit::value, std::string{"callee"},
                std::string{"verification_passed"}, t + 1);
  (*self)->send(engine, atom::credit::value, std::string{"callee"}, std::string{"no_such_kind"},
                t + 2);
  BOOST_REQUIRE(settled(engine, "callee", 2));
  BOOST_TEST(stored_events("caller") == 0);
  auto v = view("callee");
  BOOST_REQUIRE(v);
  BOOST_REQUIRE(v->history.size() == 2u);
  BOOST_TEST(v->history[1].kind == "call_error");
  // Weight 1: the score moves alpha * 1 of the way to 0.
  BOOST_TEST(v->history[1].score_after == params.prior - params.alpha * params.prior,
             boost::test_tools::tolerance(1e-12));
  // Weight 3: alpha * 3 of the way to 1, from where the error left it.
  double before = v->history[0].score_before;
  BOOST_TEST(v->history[0].kind == "verification_passed");
  BOOST_TEST(v->history[0].score_after == before + 3 * params.alpha * (1 - before),
             boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(events_for_unknown_agents_are_dropped_and_forgotten) {
  auto engine = spawn_engine();
  (*self)->send(engine, event("agent_offline", "nobody", 1));
  BOOST_TEST(eventually([&] {
    auto st = status_of(engine);
    return st.value("agents", -1) == 0 && st.value("queued", -1) == 0;
  }));
  BOOST_TEST(code_of(view("nobody").error()) == ec::not_found);
}

BOOST_AUTO_TEST_CASE(a_new_agent_reads_as_unscored) {
  add_agent("n1");
  auto v = view("n1");
  BOOST_REQUIRE(v);
  BOOST_TEST(!v->scored);
  BOOST_TEST(v->history.empty());
}

BOOST_AUTO_TEST_SUITE_END()
