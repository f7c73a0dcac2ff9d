// One agent session, spawned directly, with a stand-in registry that counts
// and forwards the offline reports it gets.
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "actors/agent_session.hpp"
#include "support.hpp"

using namespace tessera;
using namespace tessera::test;

namespace {

using namespace std::chrono_literals;

struct fake_registry_state {
  int offline_reports = 0;
  static inline const char* name = "fake_registry";
};

/// Answers the whole registry interface; only `offline` matters here: it is
/// counted and forwarded to `reports`.
registry_actor::behavior_type fake_registry(
    registry_actor::stateful_pointer<fake_registry_state> self, caf::actor reports) {
  return {
      [=](atom::register_, agent_record&) -> caf::result<agent_record> {
        return tessera::make_error(ec::internal, "fake registry");
      },
      [=](atom::get, std::string&) -> caf::result<agent_record> {
        return tessera::make_error(ec::internal, "fake registry");
      },
      [=](atom::exists, std::string&) -> bool { return false; },
      [=](atom::refresh, std::string&) -> caf::ok_atom { return caf::ok_atom::value; },
      [=](atom::replace, agent_record&) -> caf::result<agent_record> {
        return tessera::make_error(ec::internal, "fake registry");
      },
      [=](atom::remove, std::string&) -> caf::result<caf::ok_atom> {
        return tessera::make_error(ec::internal, "fake registry");
      },
      [=](atom::heartbeat, std::string&) -> caf::result<heartbeat_ack> {
        return tessera::make_error(ec::internal, "fake registry");
      },
      [=](atom::subscribe, event_listener_actor&) {},
      [=](atom::offline, std::string& id, uint64_t generation, int64_t last_seen) {
        self->state.offline_reports += 1;
        caf::anon_send(reports, atom::offline::value, std::move(id), generation, last_seen);
      },
      [=](atom::tick) {},
      [=](atom::online) {},
      [=](atom::flush) -> caf::ok_atom { return caf::ok_atom::value; },
      [=](atom::status) -> std::string {
        return nlohmann::json{{"offline_reports", self->state.offline_reports}}.dump();
      },
  };
}

struct offline_report {
  std::string id;
  uint64_t generation = 0;
  int64_t last_seen = 0;
};

std::optional<offline_report> next_report(caf::scoped_actor& reports,
                                          std::chrono::milliseconds limit = reply_timeout) {
  std::optional<offline_report> result;
  reports->receive(
      [&](atom::offline, std::string& id, uint64_t generation, int64_t last_seen) {
        result = offline_report{std::move(id), generation, last_seen};
      },
      caf::after(limit) >> [] {});
  return result;
}

/// Waits for the down message of a monitored actor; returns its reason.
std::optional<caf::error> next_down(caf::scoped_actor& watcher) {
  std::optional<caf::error> result;
  watcher->receive([&](caf::down_msg& msg) { result = msg.reason; },
                   caf::after(reply_timeout) >> [] {});
  return result;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(agent_session, actor_fixture)

BOOST_AUTO_TEST_CASE(heartbeats_push_the_deadline_forward) {
  caf::scoped_actor reports{*sys};
  auto fake = own(sys->spawn(fake_registry, caf::actor_cast<caf::actor>(reports)));
  auto t0 = now_ms();
  auto first_deadline = t0 + 300;
  auto session = own(sys->spawn(tessera::agent_session, std::string{"s1"}, first_deadline,
                                config::millis{1s}, uint64_t{7}, fake));
  reports->monitor(session);
  (*self)->send(session, atom::heartbeat::value, now_ms());
  // The first deadline passes without a report: the beat moved it.
  auto quiet_until = first_deadline + 300;
  BOOST_TEST(!next_report(reports, std::chrono::milliseconds(std::max<int64_t>(
                                       0, quiet_until - now_ms()))));
  auto last = now_ms();
  (*self)->send(session, atom::heartbeat::value, last);
  // Then, a second after the last beat, the report comes, with that beat.
  auto report = next_report(reports, 3s);
  auto reported_at = now_ms();
  BOOST_TEST_REQUIRE(static_cast<bool>(report));
  BOOST_TEST(report->last_seen == last);
  BOOST_TEST(reported_at >= last + 1000);
  BOOST_TEST(static_cast<bool>(next_down(reports)));
  BOOST_TEST(status_of(fake)["offline_reports"].get<int>() == 1);
}

BOOST_AUTO_TEST_CASE(a_missed_deadline_is_reported_once) {
  caf::scoped_actor reports{*sys};
  auto fake = own(sys->spawn(fake_registry, caf::actor_cast<caf::actor>(reports)));
  auto session = own(sys->spawn(tessera::agent_session, std::string{"s2"}, now_ms() + 1000,
                                config::millis{100ms}, uint64_t{42}, fake));
  reports->monitor(session);
  auto beat = now_ms();
  (*self)->send(session, atom::heartbeat::value, beat);
  auto report = next_report(reports);
  BOOST_TEST_REQUIRE(static_cast<bool>(report));
  BOOST_TEST(report->id == "s2");
  BOOST_TEST(report->generation == 42u);
  BOOST_TEST(report->last_seen == beat);  // the last heartbeat
  // The session ends after reporting, normally (the registry ignores it).
  auto down = next_down(reports);
  BOOST_TEST_REQUIRE(static_cast<bool>(down));
  BOOST_TEST(!*down);  // exit_reason::normal is the empty error
  // The stand-in handled everything the session sent before it ended.
  BOOST_TEST(status_of(fake)["offline_reports"].get<int>() == 1);
  BOOST_TEST(!next_report(reports, 0ms));
}

BOOST_AUTO_TEST_CASE(only_the_pending_timer_counts_and_an_early_one_waits_again) {
  caf::scoped_actor reports{*sys};
  auto fake = own(sys->spawn(fake_registry, caf::actor_cast<caf::actor>(reports)));
  auto session = own(sys->spawn(tessera::agent_session, std::string{"s3"}, now_ms() + 3'600'000,
                                config::millis{1h}, uint64_t{3}, fake));
  reports->monitor(session);
  // Timer 1 is pending; beats add none. A stale tick is ignored, and the
  // pending one, arriving before the deadline, waits again (timer 2).
  (*self)->send(session, atom::heartbeat::value, now_ms());
  (*self)->send(session, atom::tick::value, uint64_t{7});
  (*self)->send(session, atom::tick::value, uint64_t{1});
  BOOST_TEST(!next_report(reports, 200ms));
  BOOST_TEST(status_of(fake)["offline_reports"].get<int>() == 0);
  // Still alive: remove ends it.
  (*self)->send(session, atom::remove::value);
  BOOST_TEST(static_cast<bool>(next_down(reports)));
  BOOST_TEST(status_of(fake)["offline_reports"].get<int>() == 0);
}

BOOST_AUTO_TEST_CASE(remove_ends_it_without_an_offline_report) {
  caf::scoped_actor reports{*sys};
  auto fake = own(sys->spawn(fake_registry, caf::actor_cast<caf::actor>(reports)));
  auto deadline = now_ms() + 200;
  auto session = own(sys->spawn(tessera::agent_session, std::string{"s4"}, deadline,
                                config::millis{200ms}, uint64_t{9}, fake));
  reports->monitor(session);
  (*self)->send(session, atom::remove::value);
  auto down = next_down(reports);
  BOOST_TEST_REQUIRE(static_cast<bool>(down));
  BOOST_TEST(!*down);  // exit_reason::normal is the empty error
  // Past its deadline, still nothing was reported.
  BOOST_TEST(!next_report(reports, std::chrono::milliseconds(
                                       std::max<int64_t>(0, deadline + 100 - now_ms()))));
  BOOST_TEST(status_of(fake)["offline_reports"].get<int>() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
