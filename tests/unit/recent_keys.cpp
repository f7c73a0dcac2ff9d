// Keys remembered for a while, bounded.
#include "protocol/recent_keys.hpp"

#include <boost/test/unit_test.hpp>



BOOST_AUTO_TEST_SUITE(recent_keys)

BOOST_AUTO_TEST_CASE(a_key_is_remembered_for_its_age_only) {
  tessera::recent_keys r(1000, 10);
  BOOST_TEST(!r.contains("a", 0));
  r.note("a", 100);
  BOOST_TEST(r.contains("a", 100));
  BOOST_TEST(r.contains("a", 1100));
  BOOST_TEST(!r.contains("a", 1101));
  r.note("a", 1500);  // seen again: remembered anew
  BOOST_TEST(r.contains("a", 2400));
  BOOST_TEST(r.size() == 1u);
}

BOOST_AUTO_TEST_CASE(the_least_recently_seen_go_first) {
  tessera::recent_keys r(1'000'000, 3);
  r.note("a", 1);
  r.note("b", 2);
  r.note("c", 3);
  r.note("a", 4);  // a is the most recent now
  r.note("d", 5);  // over the bound: b goes
  BOOST_TEST(r.size() == 3u);
  BOOST_TEST(r.contains("a", 5));
  BOOST_TEST(!r.contains("b", 5));
  BOOST_TEST(r.contains("c", 5));
  BOOST_TEST(r.contains("d", 5));
}

BOOST_AUTO_TEST_SUITE_END()
