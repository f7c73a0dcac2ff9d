#include "protocol/signal_limits.hpp"

#include <boost/test/unit_test.hpp>

using namespace tessera;

namespace {

constexpr int64_t day_ms = 86'400'000;
// 2026-11-22T00:00:00Z, a UTC midnight.
constexpr int64_t midnight = 1'795'305'600'000;

}  // namespace

BOOST_AUTO_TEST_SUITE(signal_limits)

BOOST_AUTO_TEST_CASE(frame_limiter_allows_the_burst_then_refuses) {
  signal::frame_limiter lim(10, 20);
  int64_t t = 1'000'000;
  for (int i = 0; i < 20; ++i)
    BOOST_TEST(lim.take(t) == signal::frame_limiter::allow);
  BOOST_TEST(lim.take(t) == signal::frame_limiter::refuse);
  // 100 ms refills one token at 10/s.
  BOOST_TEST(lim.take(t + 100) == signal::frame_limiter::allow);
  BOOST_TEST(lim.take(t + 100) == signal::frame_limiter::refuse);
}

BOOST_AUTO_TEST_CASE(frame_limiter_closes_a_sustained_flood) {
  signal::frame_limiter lim(1, 3);
  int64_t t = 5'000;
  for (int i = 0; i < 3; ++i)
    BOOST_TEST(lim.take(t) == signal::frame_limiter::allow);
  // Up to `burst` refusals within 10 s are answered; one more closes.
  for (int i = 0; i < 3; ++i)
    BOOST_TEST(lim.take(t) == signal::frame_limiter::refuse);
  BOOST_TEST(lim.take(t) == signal::frame_limiter::close);
}

BOOST_AUTO_TEST_CASE(frame_limiter_forgives_refusals_spread_out) {
  signal::frame_limiter lim(1, 2);
  int64_t t = 0;
  BOOST_TEST(lim.take(t) == signal::frame_limiter::allow);
  BOOST_TEST(lim.take(t) == signal::frame_limiter::allow);
  BOOST_TEST(lim.take(t) == signal::frame_limiter::refuse);
  BOOST_TEST(lim.take(t) == signal::frame_limiter::refuse);
  // After the 10 s window the count starts again (the bucket is full again
  // too, so drain it first).
  t += 11'000;
  BOOST_TEST(lim.take(t) == signal::frame_limiter::allow);
  BOOST_TEST(lim.take(t) == signal::frame_limiter::allow);
  BOOST_TEST(lim.take(t) == signal::frame_limiter::refuse);
  BOOST_TEST(lim.take(t) == signal::frame_limiter::refuse);
  BOOST_TEST(lim.take(t) == signal::frame_limiter::close);
}

BOOST_AUTO_TEST_CASE(byte_limiter_refuses_what_exceeds_the_bucket) {
  signal::byte_limiter lim(1000, 4000);
  int64_t t = 10'000;
  BOOST_TEST(lim.take(3000, t));
  BOOST_TEST(!lim.take(1001, t));  // nothing taken on refusal...
  BOOST_TEST(lim.take(1000, t));   // ...so 1000 still fit
  BOOST_TEST(!lim.take(1, t));
  BOOST_TEST(lim.take(500, t + 500));  // 0.5 s refills 500 bytes
  BOOST_TEST(!lim.take(1, t + 500));
  // Refill stops at the burst.
  BOOST_TEST(!lim.take(4001, t + 60'000));
  BOOST_TEST(lim.take(4000, t + 60'000));
}

BOOST_AUTO_TEST_CASE(daily_quota_counts_per_agent) {
  signal::daily_quota q(100);
  int64_t t = midnight + 1000;
  BOOST_TEST(q.charge("a", 60, t));
  BOOST_TEST(q.charge("b", 100, t));
  BOOST_TEST(!q.charge("a", 41, t));
  BOOST_TEST(q.used("a", t) == 60u);
  BOOST_TEST(q.charge("a", 40, t));
  BOOST_TEST(!q.charge("a", 1, t));
  BOOST_TEST(q.used("a", t) == 100u);
  BOOST_TEST(q.used("c", t) == 0u);
}

BOOST_AUTO_TEST_CASE(daily_quota_resets_at_the_utc_day) {
  signal::daily_quota q(100);
  int64_t last_ms = midnight + day_ms - 1;  // 23:59:59.999 UTC
  BOOST_TEST(q.charge("a", 100, last_ms));
  BOOST_TEST(!q.charge("a", 1, last_ms));
  int64_t next = midnight + day_ms;  // 00:00 UTC the next day
  BOOST_TEST(q.used("a", next) == 0u);
  BOOST_TEST(q.charge("a", 100, next));
  BOOST_TEST(!q.charge("a", 1, next + 1000));
}

BOOST_AUTO_TEST_SUITE_END()
