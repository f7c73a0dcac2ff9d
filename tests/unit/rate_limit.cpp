#include "protocol/rate_limit.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

using tessera::rate_limit::buckets;

int allowed_in_a_row(buckets& b, std::string_view key, int64_t now_ms) {
  int n = 0;
  while (b.take(key, now_ms).allowed) ++n;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rate_limit)

BOOST_AUTO_TEST_CASE(a_burst_then_refusal) {
  buckets b(1, 5);
  BOOST_TEST(allowed_in_a_row(b, "ip:1.2.3.4", 0) == 5);
  BOOST_TEST(!b.take("ip:1.2.3.4", 0).allowed);
  BOOST_TEST(b.take("ip:5.6.7.8", 0).allowed);  // keys are independent
}

BOOST_AUTO_TEST_CASE(tokens_refill_at_the_rate_up_to_the_burst) {
  buckets b(2, 4);  // one token every 500 ms
  BOOST_TEST(allowed_in_a_row(b, "k", 0) == 4);
  BOOST_TEST(!b.take("k", 499).allowed);
  BOOST_TEST(b.take("k", 500).allowed);
  BOOST_TEST(!b.take("k", 500).allowed);
  BOOST_TEST(allowed_in_a_row(b, "k", 1500) == 2);
  // A long pause refills to the burst, not beyond.
  BOOST_TEST(allowed_in_a_row(b, "k", 1'000'000) == 4);
}

BOOST_AUTO_TEST_CASE(retry_after_says_when_a_token_is_back) {
  buckets b(2, 1);
  BOOST_TEST(b.take("k", 1000).allowed);
  auto refused = b.take("k", 1000);
  BOOST_TEST(!refused.allowed);
  BOOST_TEST(refused.retry_after_ms == 500);
  BOOST_TEST(b.take("k", 1200).retry_after_ms == 300);
  BOOST_TEST(b.take("k", 1500).allowed);
  BOOST_TEST(b.take("k", 1500).retry_after_ms == 500);
}

BOOST_AUTO_TEST_CASE(retry_after_rounds_up) {
  buckets b(3, 1);  // a token every 333.3 ms
  BOOST_TEST(b.take("k", 0).allowed);
  auto refused = b.take("k", 0);
  BOOST_TEST(refused.retry_after_ms == 334);
  BOOST_TEST(!b.take("k", 333).allowed);
  BOOST_TEST(b.take("k", 334).allowed);
}

BOOST_AUTO_TEST_CASE(a_slow_rate_gives_a_long_retry_after) {
  buckets b(1.0 / 60, 1);  // one per minute
  BOOST_TEST(b.take("login:bob", 0).allowed);
  BOOST_TEST(b.take("login:bob", 0).retry_after_ms == 60'000);
  BOOST_TEST(b.take("login:bob", 45'000).retry_after_ms == 15'000);
}

BOOST_AUTO_TEST_CASE(time_going_backwards_refills_nothing) {
  buckets b(1, 1);
  BOOST_TEST(b.take("k", 10'000).allowed);
  BOOST_TEST(!b.take("k", 5'000).allowed);
  BOOST_TEST(!b.take("k", 10'999).allowed);
  BOOST_TEST(b.take("k", 11'000).allowed);
}

BOOST_AUTO_TEST_CASE(peek_takes_nothing_and_stores_nothing) {
  buckets b(1, 2);
  BOOST_TEST(b.peek("k", 0).allowed);
  BOOST_TEST(b.size() == 0u);
  BOOST_TEST(b.take("k", 0).allowed);
  BOOST_TEST(b.peek("k", 0).allowed);
  BOOST_TEST(b.peek("k", 0).allowed);
  BOOST_TEST(b.take("k", 0).allowed);
  auto refused = b.peek("k", 250);
  BOOST_TEST(!refused.allowed);
  BOOST_TEST(refused.retry_after_ms == 750);
  BOOST_TEST(b.peek("k", 1000).allowed);
}

BOOST_AUTO_TEST_CASE(reset_refills_a_bucket) {
  buckets b(0.001, 3);
  BOOST_TEST(allowed_in_a_row(b, "login:bob", 0) == 3);
  b.reset("login:bob");
  BOOST_TEST(b.size() == 0u);
  BOOST_TEST(allowed_in_a_row(b, "login:bob", 0) == 3);
}

BOOST_AUTO_TEST_CASE(a_token_given_back_can_be_taken_again_but_never_beyond_the_burst) {
  buckets b(0.001, 2);
  BOOST_TEST(allowed_in_a_row(b, "login:bob", 0) == 2);
  b.give_back("login:bob");
  BOOST_TEST(allowed_in_a_row(b, "login:bob", 0) == 1);
  for (int i = 0; i < 5; ++i)
    b.give_back("login:bob");
  BOOST_TEST(allowed_in_a_row(b, "login:bob", 0) == 2);
  b.give_back("login:nobody");  // an absent key is a full bucket already
  BOOST_TEST(b.size() == 1u);
}

BOOST_AUTO_TEST_CASE(the_number_of_keys_is_bounded) {
  buckets b(0.001, 2, 16);
  for (int i = 0; i < 1000; ++i) {
    b.take("ip:" + std::to_string(i), i);
    BOOST_TEST_REQUIRE(b.size() <= 16u);
  }
  // The newest key kept its state.
  BOOST_TEST(b.take("ip:999", 1000).allowed);
  BOOST_TEST(!b.take("ip:999", 1000).allowed);
}

BOOST_AUTO_TEST_CASE(keys_seen_once_go_before_the_table_is_full) {
  buckets b(1, 2);  // room for 100,000 keys; full buckets swept every 12,500 new keys
  BOOST_TEST(allowed_in_a_row(b, "agent:busy", 0) == 2);
  for (int i = 0; i < 12'498; ++i)
    b.take("ip:" + std::to_string(i), 0);  // one token each: full again at t = 1000
  BOOST_TEST(b.size() == 12'499u);
  // The 12,500th new key: the full buckets go, the one still refilling stays.
  BOOST_TEST(b.take("agent:new", 1000).allowed);
  BOOST_TEST(b.size() == 2u);
  BOOST_TEST(b.take("agent:busy", 1000).allowed);  // one token back after 1 s...
  BOOST_TEST(!b.take("agent:busy", 1000).allowed);  // ...and only one: its state was kept
}

BOOST_AUTO_TEST_CASE(full_buckets_are_dropped_before_busy_ones) {
  buckets b(1, 2, 3);
  BOOST_TEST(allowed_in_a_row(b, "idle", 0) == 2);  // full again by t = 2000
  BOOST_TEST(allowed_in_a_row(b, "busy1", 5000) == 2);
  BOOST_TEST(b.take("busy2", 5000).allowed);
  BOOST_TEST(b.take("new", 5000).allowed);  // the table is full: "idle" goes
  BOOST_TEST(b.size() == 3u);
  BOOST_TEST(!b.peek("busy1", 5000).allowed);  // still remembered as empty
  BOOST_TEST(b.take("busy2", 5000).allowed);
  BOOST_TEST(!b.take("busy2", 5000).allowed);
}

BOOST_AUTO_TEST_CASE(then_the_oldest_busy_ones) {
  buckets b(0.001, 1, 3);
  BOOST_TEST(b.take("a", 0).allowed);
  BOOST_TEST(b.take("b", 10).allowed);
  BOOST_TEST(b.take("c", 20).allowed);
  BOOST_TEST(b.take("d", 30).allowed);  // none is full: "a", the oldest, goes
  BOOST_TEST(b.size() == 3u);
  BOOST_TEST(b.peek("a", 30).allowed);  // forgotten, so full
  BOOST_TEST(!b.peek("b", 30).allowed);
  BOOST_TEST(!b.peek("c", 30).allowed);
  BOOST_TEST(!b.peek("d", 30).allowed);
}

BOOST_AUTO_TEST_CASE(concurrent_takes_never_exceed_the_burst) {
  buckets b(1, 50);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i)
        if (b.take("shared", 0).allowed) ++allowed;
    });
  }
  for (auto& t : threads) t.join();
  BOOST_TEST(allowed.load() == 50);
}

BOOST_AUTO_TEST_CASE(concurrent_keys_stay_bounded) {
  buckets b(0.001, 1, 100);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&b, t] {
      for (int i = 0; i < 2000; ++i) b.take(std::to_string(t) + ":" + std::to_string(i), i);
    });
  }
  for (auto& t : threads) t.join();
  BOOST_TEST(b.size() <= 100u);
  BOOST_TEST(b.size() > 0u);
}

BOOST_AUTO_TEST_CASE(nonsense_settings_are_refused) {
  BOOST_CHECK_THROW(buckets(0, 1), std::invalid_argument);
  BOOST_CHECK_THROW(buckets(-1, 1), std::invalid_argument);
  BOOST_CHECK_THROW(buckets(1, 0.5), std::invalid_argument);
  BOOST_CHECK_THROW(buckets(1, 1, 0), std::invalid_argument);
  BOOST_CHECK_NO_THROW(buckets(0.01, 1, 1));
}

BOOST_AUTO_TEST_SUITE_END()
