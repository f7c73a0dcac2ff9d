#include "protocol/connect_state.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>

#include "protocol/signal_frame.hpp"

namespace {

namespace sig = tessera::signal;
using st = sig::conn_state;
using ev = sig::conn_event;

// Names, so a failed comparison prints something readable.
std::string name(st s) { return sig::to_string(s); }
std::string name(ev e) { return sig::to_string(e); }

sig::connect_machine machine(int max_retries = 5, int64_t base = 100, int64_t max = 10'000,
                             uint64_t seed = 7) {
  return sig::connect_machine(sig::backoff_policy{base, max, max_retries}, seed);
}

// A machine driven into `target` by the shortest path.
sig::connect_machine in_state(st target) {
  auto m = machine();
  switch (target) {
    case st::standby: break;
    case st::connecting: m.on(ev::start); break;
    case st::ready: m.on(ev::start); m.on(ev::ready); break;
    case st::retry_backoff: m.on(ev::start); m.on(ev::failed); break;
    case st::reconnecting: m.on(ev::start); m.on(ev::ready); m.on(ev::lost); break;
    case st::connection_failed: m.on(ev::fatal); break;
    case st::closed: m.on(ev::stop); break;
  }
  BOOST_TEST_REQUIRE(name(m.state()) == name(target));
  return m;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(connect_state)

BOOST_AUTO_TEST_CASE(names) {
  BOOST_TEST(name(st::standby) == "standby");
  BOOST_TEST(name(st::connecting) == "connecting");
  BOOST_TEST(name(st::ready) == "ready");
  BOOST_TEST(name(st::retry_backoff) == "retry_backoff");
  BOOST_TEST(name(st::reconnecting) == "reconnecting");
  BOOST_TEST(name(st::connection_failed) == "connection_failed");
  BOOST_TEST(name(st::closed) == "closed");
  BOOST_TEST(name(ev::elapsed) == "elapsed");
  BOOST_TEST(name(ev::replaced) == "replaced");
}

BOOST_AUTO_TEST_CASE(the_happy_path) {
  auto m = machine();
  BOOST_TEST(name(m.state()) == "standby");
  BOOST_TEST(!m.terminal());
  BOOST_TEST(name(m.on(ev::start)) == "connecting");
  BOOST_TEST(name(m.on(ev::ready)) == "ready");
  BOOST_TEST(name(m.on(ev::stop)) == "closed");
  BOOST_TEST(m.terminal());
}

BOOST_AUTO_TEST_CASE(a_failed_first_attempt_backs_off_then_connects_again) {
  auto m = machine();
  m.on(ev::start);
  BOOST_TEST(name(m.on(ev::failed)) == "retry_backoff");
  BOOST_TEST(m.failures() == 1);
  // Never ready yet: the next attempt is "connecting", not "reconnecting".
  BOOST_TEST(name(m.on(ev::elapsed)) == "connecting");
  BOOST_TEST(name(m.on(ev::ready)) == "ready");
  BOOST_TEST(m.failures() == 0);
}

BOOST_AUTO_TEST_CASE(a_lost_connection_reconnects_at_once_and_backs_off_after_a_failure) {
  auto m = machine();
  m.on(ev::start);
  m.on(ev::ready);
  BOOST_TEST(name(m.on(ev::lost)) == "reconnecting");
  BOOST_TEST(name(m.on(ev::failed)) == "retry_backoff");
  // Once ready, every later attempt is a reconnection.
  BOOST_TEST(name(m.on(ev::elapsed)) == "reconnecting");
  BOOST_TEST(name(m.on(ev::ready)) == "ready");
  BOOST_TEST(m.failures() == 0);
}

BOOST_AUTO_TEST_CASE(the_retry_limit_ends_in_connection_failed) {
  auto m = machine(3);
  m.on(ev::start);
  BOOST_TEST(name(m.on(ev::failed)) == "retry_backoff");
  BOOST_TEST(name(m.on(ev::elapsed)) == "connecting");
  BOOST_TEST(name(m.on(ev::failed)) == "retry_backoff");
  BOOST_TEST(name(m.on(ev::elapsed)) == "connecting");
  BOOST_TEST(name(m.on(ev::failed)) == "connection_failed");
  BOOST_TEST(m.failures() == 3);
  BOOST_TEST(m.terminal());
}

BOOST_AUTO_TEST_CASE(the_limit_counts_failures_in_a_row_only) {
  auto m = machine(2);
  m.on(ev::start);
  m.on(ev::failed);
  m.on(ev::elapsed);
  m.on(ev::ready);  // resets the count
  m.on(ev::lost);
  BOOST_TEST(name(m.on(ev::failed)) == "retry_backoff");
  m.on(ev::elapsed);
  BOOST_TEST(name(m.on(ev::failed)) == "connection_failed");
}

BOOST_AUTO_TEST_CASE(a_limit_of_one_fails_on_the_first_failure) {
  auto m = machine(1);
  m.on(ev::start);
  BOOST_TEST(name(m.on(ev::failed)) == "connection_failed");
}

BOOST_AUTO_TEST_CASE(backoff_stays_within_bounds_that_double_up_to_the_maximum) {
  // Many seeds, so the uniform draw explores its whole range.
  for (uint64_t seed = 0; seed < 200; ++seed) {
    auto m = machine(20, 100, 2000, seed);
    m.on(ev::start);
    int64_t cap = 100;
    for (int attempt = 1; attempt < 20; ++attempt) {
      BOOST_TEST_REQUIRE(name(m.on(ev::failed)) == "retry_backoff");
      BOOST_TEST(m.failures() == attempt);
      BOOST_TEST(m.delay_ms() >= 0);
      BOOST_TEST(m.delay_ms() <= cap, "attempt " << attempt << " seed " << seed);
      cap = std::min<int64_t>(cap * 2, 2000);
      m.on(ev::elapsed);
    }
  }
}

BOOST_AUTO_TEST_CASE(the_cap_doubles_up_to_the_maximum) {
  sig::backoff_policy p{50, 1000, 10};
  const int64_t caps[] = {50, 100, 200, 400, 800, 1000, 1000};
  for (int i = 0; i < 7; ++i) BOOST_TEST(sig::backoff_cap_ms(p, i + 1) == caps[i]);
  BOOST_TEST(sig::backoff_cap_ms(p, 1'000'000) == 1000);
  BOOST_TEST(sig::backoff_cap_ms({50, 30, 10}, 1) == 30);  // a maximum below the base wins
}

BOOST_AUTO_TEST_CASE(backoff_grows_with_failures) {
  // The largest delay seen over many seeds per attempt approaches its cap:
  // 100, 200, 400, 800, then 1000 (the maximum) for good.
  const int64_t caps[] = {100, 200, 400, 800, 1000, 1000};
  int64_t largest[6] = {};
  for (uint64_t seed = 0; seed < 500; ++seed) {
    auto m = machine(10, 100, 1000, seed);
    m.on(ev::start);
    for (int i = 0; i < 6; ++i) {
      m.on(ev::failed);
      largest[i] = std::max(largest[i], m.delay_ms());
      m.on(ev::elapsed);
    }
  }
  for (int i = 0; i < 6; ++i) {
    BOOST_TEST(largest[i] <= caps[i]);
    BOOST_TEST(largest[i] > caps[i] * 9 / 10, "attempt " << i + 1 << ": " << largest[i]);
  }
}

BOOST_AUTO_TEST_CASE(the_same_seed_gives_the_same_delays) {
  auto a = machine(10, 100, 10'000, 42);
  auto b = machine(10, 100, 10'000, 42);
  a.on(ev::start);
  b.on(ev::start);
  for (int i = 0; i < 5; ++i) {
    a.on(ev::failed);
    b.on(ev::failed);
    BOOST_TEST(a.delay_ms() == b.delay_ms());
    a.on(ev::elapsed);
    b.on(ev::elapsed);
  }
}

BOOST_AUTO_TEST_CASE(a_huge_failure_count_does_not_overflow_the_cap) {
  auto m = machine(1000, 1000, 30'000);
  m.on(ev::start);
  for (int i = 0; i < 200; ++i) {
    m.on(ev::failed);
    BOOST_TEST_REQUIRE(m.delay_ms() >= 0);
    BOOST_TEST_REQUIRE(m.delay_ms() <= 30'000);
    m.on(ev::elapsed);
  }
}

BOOST_AUTO_TEST_CASE(fatal_fails_from_every_live_state) {
  for (st s : {st::standby, st::connecting, st::ready, st::retry_backoff, st::reconnecting}) {
    auto m = in_state(s);
    BOOST_TEST(name(m.on(ev::fatal)) == "connection_failed", "from " << name(s));
  }
}

BOOST_AUTO_TEST_CASE(replaced_and_stop_close_from_every_live_state) {
  for (ev e : {ev::replaced, ev::stop})
    for (st s : {st::standby, st::connecting, st::ready, st::retry_backoff, st::reconnecting}) {
      auto m = in_state(s);
      BOOST_TEST(name(m.on(e)) == "closed", name(e) << " from " << name(s));
    }
}

BOOST_AUTO_TEST_CASE(terminal_states_stay_put) {
  for (st s : {st::connection_failed, st::closed})
    for (ev e : {ev::start, ev::ready, ev::failed, ev::lost, ev::elapsed, ev::fatal, ev::replaced,
                 ev::stop}) {
      auto m = in_state(s);
      BOOST_TEST(m.terminal());
      BOOST_TEST(name(m.on(e)) == name(s), name(e) << " in " << name(s));
    }
}

BOOST_AUTO_TEST_CASE(events_that_mean_nothing_leave_the_state_alone) {
  struct no_op {
    st state;
    ev event;
  };
  const no_op cases[] = {
      {st::standby, ev::ready},          {st::standby, ev::failed},
      {st::standby, ev::lost},           {st::standby, ev::elapsed},
      {st::connecting, ev::start},       {st::connecting, ev::lost},
      {st::connecting, ev::elapsed},     {st::ready, ev::start},
      {st::ready, ev::ready},            {st::ready, ev::failed},
      {st::ready, ev::elapsed},          {st::retry_backoff, ev::start},
      {st::retry_backoff, ev::ready},    {st::retry_backoff, ev::failed},
      {st::retry_backoff, ev::lost},     {st::reconnecting, ev::start},
      {st::reconnecting, ev::lost},      {st::reconnecting, ev::elapsed},
  };
  for (const auto& c : cases) {
    auto m = in_state(c.state);
    int failures = m.failures();
    BOOST_TEST(name(m.on(c.event)) == name(c.state), name(c.event) << " in " << name(c.state));
    BOOST_TEST(m.failures() == failures);
  }
}

BOOST_AUTO_TEST_CASE(close_codes) {
  namespace cc = sig::close_code;
  for (uint16_t code : {cc::bad_auth_frame, cc::bad_signature, cc::deregistered, cc::unknown_agent})
    for (bool was_ready : {false, true})
      BOOST_TEST(name(sig::event_for_close(code, was_ready)) == "fatal", code);
  BOOST_TEST(name(sig::event_for_close(cc::replaced, true)) == "replaced");
  BOOST_TEST(name(sig::event_for_close(cc::replaced, false)) == "replaced");
  for (uint16_t code : {uint16_t(1000), cc::going_away, cc::too_big, cc::auth_timeout,
                        cc::too_many_frames, cc::slow_consumer, uint16_t(1006)}) {
    BOOST_TEST(name(sig::event_for_close(code, true)) == "lost", code);
    BOOST_TEST(name(sig::event_for_close(code, false)) == "failed", code);
  }
}

BOOST_AUTO_TEST_SUITE_END()
