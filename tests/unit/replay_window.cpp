#include "protocol/replay_window.hpp"

#include <boost/test/unit_test.hpp>

namespace {

using window = tessera::replay_window;
using verdict = tessera::replay_window::verdict;

// Boost.Test prints the values of a failed comparison.
std::string name(verdict v) {
  switch (v) {
    case verdict::fresh: return "fresh";
    case verdict::replayed: return "replayed";
    case verdict::too_old: return "too_old";
    case verdict::full: return "full";
    case verdict::key_quota: return "key_quota";
  }
  return "?";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(replay_window)

BOOST_AUTO_TEST_CASE(a_pair_is_fresh_once) {
  window w(600, 1000, 100, 100);
  BOOST_TEST(name(w.check("alice", "n1", 1000, 1000)) == "fresh");
  BOOST_TEST(name(w.check("alice", "n1", 1000, 1001)) == "replayed");
  BOOST_TEST(name(w.check("alice", "n1", 1005, 1001)) == "replayed");  // created is not part of it
  BOOST_TEST(name(w.check("alice", "n2", 1000, 1001)) == "fresh");
  BOOST_TEST(name(w.check("bob", "n1", 1000, 1001)) == "fresh");
  BOOST_TEST(w.size() == 3u);
}

BOOST_AUTO_TEST_CASE(key_and_nonce_do_not_run_together) {
  window w(600, 0, 100, 100);
  BOOST_TEST(name(w.check("ab", "c", 10, 10)) == "fresh");
  BOOST_TEST(name(w.check("a", "bc", 10, 10)) == "fresh");
}

BOOST_AUTO_TEST_CASE(signatures_before_not_before_are_too_old) {
  window w(600, 1000, 100, 100);
  BOOST_TEST(name(w.check("alice", "n1", 999, 1000)) == "too_old");
  BOOST_TEST(w.size() == 0u);
  BOOST_TEST(name(w.check("alice", "n1", 1000, 1000)) == "fresh");
}

BOOST_AUTO_TEST_CASE(entries_expire_at_created_plus_window) {
  window w(600, 0, 100, 100);
  BOOST_TEST(name(w.check("alice", "n1", 1000, 1000)) == "fresh");
  // Still valid (and remembered) at exactly created + window.
  BOOST_TEST(name(w.check("alice", "n1", 1000, 1600)) == "replayed");
  BOOST_TEST(name(w.check("alice", "n2", 1000, 1601)) == "fresh");  // n1 expired after 1600
  BOOST_TEST(w.size() == 1u);
  BOOST_TEST(name(w.check("alice", "n1", 1000, 1601)) == "fresh");
}

BOOST_AUTO_TEST_CASE(expiry_follows_created_not_arrival_order) {
  window w(100, 0, 100, 100);
  BOOST_TEST(name(w.check("k", "late", 1050, 1050)) == "fresh");   // expires 1150
  BOOST_TEST(name(w.check("k", "early", 1000, 1051)) == "fresh");  // expires 1100
  BOOST_TEST(name(w.check("k", "x", 1101, 1101)) == "fresh");
  BOOST_TEST(w.size() == 2u);  // "early" gone, "late" and "x" kept
  BOOST_TEST(name(w.check("k", "late", 1050, 1101)) == "replayed");
  BOOST_TEST(name(w.check("k", "early", 1001, 1101)) == "fresh");
}

BOOST_AUTO_TEST_CASE(full_at_capacity_until_entries_expire) {
  window w(60, 0, 2, 100);
  BOOST_TEST(name(w.check("k", "a", 100, 100)) == "fresh");
  BOOST_TEST(name(w.check("k", "b", 110, 110)) == "fresh");
  BOOST_TEST(name(w.check("k", "c", 110, 110)) == "full");
  BOOST_TEST(name(w.check("k", "a", 110, 110)) == "replayed");  // replays are still named
  BOOST_TEST(w.size() == 2u);
  BOOST_TEST(name(w.check("k", "c", 161, 161)) == "fresh");  // "a" expired after 160
  BOOST_TEST(name(w.check("k", "d", 161, 161)) == "full");
}

// One key can't take the window from the others: past its quota only that
// key is refused, and it gets its room back as its entries expire.
BOOST_AUTO_TEST_CASE(each_key_has_a_quota) {
  window w(60, 0, 100, 2);
  BOOST_TEST(name(w.check("flood", "a", 100, 100)) == "fresh");
  BOOST_TEST(name(w.check("flood", "b", 110, 110)) == "fresh");
  BOOST_TEST(name(w.check("flood", "c", 110, 110)) == "key_quota");
  BOOST_TEST(name(w.check("flood", "a", 110, 110)) == "replayed");
  BOOST_TEST(name(w.check("other", "a", 110, 110)) == "fresh");
  BOOST_TEST(w.size() == 3u);
  BOOST_TEST(name(w.check("flood", "c", 161, 161)) == "fresh");  // "a" expired after 160
}

BOOST_AUTO_TEST_SUITE_END()
