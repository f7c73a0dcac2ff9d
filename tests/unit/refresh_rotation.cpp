#include "protocol/refresh_rotation.hpp"

#include <boost/test/unit_test.hpp>

namespace {

using tessera::credential;
using tessera::refresh_rotation::decide;
using tessera::refresh_rotation::outcome;

// Boost.Test prints the values of a failed comparison.
std::string name(outcome o) {
  switch (o) {
    case outcome::rotate: return "rotate";
    case outcome::reuse_detected: return "reuse_detected";
    case outcome::expired: return "expired";
    case outcome::wrong_kind: return "wrong_kind";
  }
  return "?";
}

constexpr int64_t now = 1'700'000'000'000;

credential fresh_refresh() {
  credential c;
  c.kind = "refresh";
  c.user_id = "usr_a";
  c.family = "fam_1";
  c.created_at = now - 60'000;
  c.expires_at = now + 3'600'000;
  return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(refresh_rotation)

BOOST_AUTO_TEST_CASE(an_unused_live_token_rotates) {
  BOOST_TEST(name(decide(fresh_refresh(), now)) == "rotate");
}

BOOST_AUTO_TEST_CASE(a_used_token_is_reuse) {
  auto c = fresh_refresh();
  c.used_at = now - 1000;
  BOOST_TEST(name(decide(c, now)) == "reuse_detected");
}

BOOST_AUTO_TEST_CASE(a_revoked_token_is_reuse) {
  auto c = fresh_refresh();
  c.revoked_at = now - 1000;
  BOOST_TEST(name(decide(c, now)) == "reuse_detected");
}

BOOST_AUTO_TEST_CASE(a_token_expires_at_expires_at) {
  auto c = fresh_refresh();
  BOOST_TEST(name(decide(c, c.expires_at - 1)) == "rotate");
  BOOST_TEST(name(decide(c, c.expires_at)) == "expired");
  BOOST_TEST(name(decide(c, c.expires_at + 1)) == "expired");
}

BOOST_AUTO_TEST_CASE(no_expiry_means_never) {
  auto c = fresh_refresh();
  c.expires_at = 0;
  BOOST_TEST(name(decide(c, now + 1'000'000'000'000)) == "rotate");
}

// A stolen token replayed after it expired still revokes its family, whose
// newer rotations may be alive.
BOOST_AUTO_TEST_CASE(reuse_wins_over_expiry) {
  auto c = fresh_refresh();
  c.used_at = now;
  BOOST_TEST(name(decide(c, c.expires_at + 1)) == "reuse_detected");
}

BOOST_AUTO_TEST_CASE(other_kinds_are_refused_before_anything_else) {
  for (auto kind : {"api_key", "claim", "", "Refresh"}) {
    auto c = fresh_refresh();
    c.kind = kind;
    BOOST_TEST(name(decide(c, now)) == "wrong_kind");
    c.used_at = now;  // a used claim token is not a refresh reuse
    BOOST_TEST(name(decide(c, now)) == "wrong_kind");
  }
}

BOOST_AUTO_TEST_SUITE_END()
