// http::ask, the bridge from HTTP worker threads into the actors: replies,
// errors and timeouts all come back as values (a timeout as ec::timeout, which
// the HTTP layer answers with 503 "timeout").
#include <boost/test/unit_test.hpp>

#include "actors/interfaces.hpp"
#include "actors/messages.hpp"
#include "http/ask.hpp"
#include "http/respond.hpp"
#include "support.hpp"  // prints tessera::ec in failed checks

using namespace tessera;

namespace {

using pinger = caf::typed_actor<caf::replies_to<atom::ping, int32_t>::with<caf::ok_atom>>;

/// Answers ping 0, fails ping 1, and never answers ping 2.
pinger::behavior_type slow_pinger(pinger::pointer self) {
  return {
      [=](atom::ping, int32_t mode) -> caf::result<caf::ok_atom> {
        if (mode == 0)
          return caf::ok_atom::value;
        if (mode == 1)
          return make_error(ec::not_found, "nothing here");
        return self->make_response_promise<caf::ok_atom>();  // dropped unanswered
      },
  };
}

struct fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  fixture() {
    register_messages(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(ask, fixture)

BOOST_AUTO_TEST_CASE(replies_errors_and_timeouts_come_back_as_values) {
  auto p = sys->spawn(slow_pinger);
  caf::duration timeout{std::chrono::milliseconds(200)};
  auto ok = http::ask<caf::ok_atom>(*sys, p, timeout, atom::ping::value, int32_t{0});
  BOOST_TEST(ok.ok());
  auto failed = http::ask<caf::ok_atom>(*sys, p, timeout, atom::ping::value, int32_t{1});
  BOOST_REQUIRE(!failed.ok());
  BOOST_TEST(failed.error().code == ec::not_found);
  BOOST_TEST(failed.error().message == "nothing here");
  auto late = http::ask<caf::ok_atom>(*sys, p, timeout, atom::ping::value, int32_t{2});
  BOOST_REQUIRE(!late.ok());
  BOOST_TEST(late.error().code == ec::timeout);
  BOOST_TEST(http::status_of(late.error().code) == 503);
  caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_CASE(a_dead_actor_is_unavailable) {
  auto p = sys->spawn(slow_pinger);
  {
    caf::scoped_actor self{*sys};
    self->send_exit(p, caf::exit_reason::user_shutdown);
    self->wait_for(p);
  }
  auto res = http::ask<caf::ok_atom>(*sys, p, caf::duration{std::chrono::seconds(2)},
                                     atom::ping::value, int32_t{0});
  BOOST_REQUIRE(!res.ok());
  BOOST_TEST(res.error().code == ec::unavailable);
}

BOOST_AUTO_TEST_SUITE_END()
