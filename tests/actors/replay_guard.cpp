// The replay guard: each (keyid, nonce) once within the skew window.
#include <boost/test/unit_test.hpp>

#include "actors/replay_guard.hpp"
#include "support.hpp"

using namespace tessera;
using namespace tessera::test;

namespace {

int64_t now_s() {
  return now_ms() / 1000;
}

constexpr int64_t window = 300;

struct guard_fixture : actor_fixture {
  replay_guard_actor spawn_guard(int64_t not_before, size_t capacity, size_t per_key = 100) {
    replay_guard_config cfg;
    cfg.window_seconds = window;
    cfg.not_before = not_before;
    cfg.capacity = capacity;
    cfg.per_key = per_key;
    return own(sys->spawn(tessera::replay_guard, cfg));
  }

  caf::expected<caf::ok_atom> check(const replay_guard_actor& guard, const std::string& key,
                                    const std::string& nonce, int64_t created,
                                    bool registering = false) {
    return ask<caf::ok_atom>(guard, atom::check::value, key, nonce, created, registering);
  }

  ec code(const caf::expected<caf::ok_atom>& res) {
    return res ? ec::none : code_of(res.error());
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(replay_guard, guard_fixture)

BOOST_AUTO_TEST_CASE(a_fresh_nonce_is_accepted) {
  auto guard = spawn_guard(now_s() - 10, 100);
  BOOST_TEST(code(check(guard, "alice", "n1", now_s())) == ec::none);
  BOOST_TEST(code(check(guard, "alice", "n2", now_s())) == ec::none);
  BOOST_TEST(code(check(guard, "bob", "n1", now_s())) == ec::none);  // another key
  auto st = status_of(guard);
  BOOST_TEST(st["accepted"].get<int>() == 3);
  BOOST_TEST(st["rejected"].get<int>() == 0);
  BOOST_TEST(st["nonces"].get<int>() == 3);
}

BOOST_AUTO_TEST_CASE(the_same_pair_again_is_invalid_signature) {
  auto guard = spawn_guard(now_s() - 10, 100);
  auto created = now_s();
  BOOST_TEST(code(check(guard, "alice", "n1", created)) == ec::none);
  auto again = check(guard, "alice", "n1", created);
  BOOST_TEST_REQUIRE(!again);
  auto p = to_problem(again.error());
  BOOST_TEST(p.code == ec::invalid_signature);
  BOOST_TEST(!p.message.empty());
  // `created` is not part of the pair: re-signing with another time but the
  // same nonce is a replay too.
  BOOST_TEST(code(check(guard, "alice", "n1", created - 5)) == ec::invalid_signature);
  auto st = status_of(guard);
  BOOST_TEST(st["accepted"].get<int>() == 1);
  BOOST_TEST(st["rejected"].get<int>() == 2);
}

BOOST_AUTO_TEST_CASE(created_before_not_before_is_invalid_signature) {
  auto start = now_s();
  auto guard = spawn_guard(start, 100);
  auto res = check(guard, "alice", "n1", start - 1);
  BOOST_TEST_REQUIRE(!res);
  BOOST_TEST(code_of(res.error()) == ec::invalid_signature);
  BOOST_TEST(status_of(guard)["nonces"].get<int>() == 0);  // not recorded
  BOOST_TEST(code(check(guard, "alice", "n1", start)) == ec::none);
}

BOOST_AUTO_TEST_CASE(at_capacity_new_nonces_are_unavailable) {
  auto guard = spawn_guard(now_s() - 10, 2);
  auto created = now_s();
  BOOST_TEST(code(check(guard, "k", "a", created)) == ec::none);
  BOOST_TEST(code(check(guard, "k", "b", created)) == ec::none);
  auto full = check(guard, "k", "c", created);
  BOOST_TEST_REQUIRE(!full);
  BOOST_TEST(code_of(full.error()) == ec::unavailable);
  // A replay is still named as one when full.
  BOOST_TEST(code(check(guard, "k", "a", created)) == ec::invalid_signature);
  BOOST_TEST(status_of(guard)["nonces"].get<int>() == 2);
}

BOOST_AUTO_TEST_CASE(expired_entries_free_capacity) {
  auto start = now_s();
  auto guard = spawn_guard(start - 1000, 1);
  // Created longer ago than the window: recorded, but already expired.
  BOOST_TEST(code(check(guard, "k", "old", start - window - 10)) == ec::none);
  BOOST_TEST(code(check(guard, "k", "new", now_s())) == ec::none);
  BOOST_TEST(status_of(guard)["nonces"].get<int>() == 1);
  BOOST_TEST(code(check(guard, "k", "other", now_s())) == ec::unavailable);
}

// verify accepts a signature created exactly `window` seconds ago (created >=
// now - max_skew, inclusive), so its nonce must still be remembered in that
// second: the guard forgets an entry only once created + window < now.
BOOST_AUTO_TEST_CASE(a_pair_at_the_edge_of_the_window_is_not_replayable) {
  auto guard = spawn_guard(now_s() - 1000, 100);
  // Both checks must fall in one second (where verify would accept both).
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto nonce = "edge" + std::to_string(attempt);
    auto now = now_s();
    auto first = check(guard, "k", nonce, now - window);
    auto second = check(guard, "k", nonce, now - window);
    if (now_s() != now)
      continue;
    BOOST_TEST(code(first) == ec::none);
    BOOST_TEST(code(second) == ec::invalid_signature);
    return;
  }
  BOOST_FAIL("could not run both checks within one second");
}

// Past its quota one key gets rate_limited; other keys are unaffected.
BOOST_AUTO_TEST_CASE(a_key_past_its_quota_is_rate_limited) {
  auto guard = spawn_guard(now_s() - 10, 100, 2);
  auto created = now_s();
  BOOST_TEST(code(check(guard, "k", "a", created)) == ec::none);
  BOOST_TEST(code(check(guard, "k", "b", created)) == ec::none);
  BOOST_TEST(code(check(guard, "k", "c", created)) == ec::rate_limited);
  BOOST_TEST(code(check(guard, "other", "c", created)) == ec::none);
}

// Registration requests fill a pool of their own: when it is full, the
// registered agents' window still takes nonces.
BOOST_AUTO_TEST_CASE(registrations_have_a_pool_of_their_own) {
  auto guard = spawn_guard(now_s() - 10, 200);  // registration pool: 20
  auto created = now_s();
  for (int i = 0; i < 20; ++i)
    BOOST_TEST(code(check(guard, "new" + std::to_string(i), "n", created, true)) == ec::none);
  BOOST_TEST(code(check(guard, "new20", "n", created, true)) == ec::unavailable);
  BOOST_TEST(code(check(guard, "registered", "n", created)) == ec::none);
  // A registration's nonce is remembered: the captured request can't be replayed.
  BOOST_TEST(code(check(guard, "new0", "n", created, true)) == ec::invalid_signature);
  auto st = status_of(guard);
  BOOST_TEST(st["registration_nonces"].get<int>() == 20);
  BOOST_TEST(st["nonces"].get<int>() == 1);
}

BOOST_AUTO_TEST_SUITE_END()
