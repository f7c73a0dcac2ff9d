// http::ask, the bridge from the front's I/O workers into the actors: a
// handler co_awaits it on the worker's thread, and replies, errors and
// timeouts all come back as values (a timeout as ec::timeout, which the HTTP
// layer answers with 503 "timeout"), on that same thread.
#include <boost/test/unit_test.hpp>

#include "actors/interfaces.hpp"
#include "actors/messages.hpp"
#include <future>
#include <thread>

#include "http/ask.hpp"
#include "http/io_worker.hpp"
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
  std::unique_ptr<http::io_worker> worker;
  fixture() {
    register_messages(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    worker = std::make_unique<http::io_worker>(*sys);
    worker->start();
  }
  ~fixture() { worker->stop(); }

  /// Asks `p` from a coroutine on the worker, as a handler would, and waits
  /// here for the outcome; also checks that it came back on the worker's thread.
  http::reply<caf::ok_atom> ask(pinger p, std::chrono::milliseconds timeout, int32_t mode) {
    std::promise<http::reply<caf::ok_atom>> out;
    std::promise<std::thread::id> worker_thread;
    worker->post([&] {
      worker_thread.set_value(std::this_thread::get_id());
      http::start(run(p, timeout, mode, out), [](std::exception_ptr) {});
    });
    auto id = worker_thread.get_future().get();
    auto result = out.get_future().get();
    BOOST_TEST((resumed_on == id));
    return result;
  }

  http::task<> run(pinger p, std::chrono::milliseconds timeout, int32_t mode,
                   std::promise<http::reply<caf::ok_atom>>& out) {
    auto r = co_await http::ask<caf::ok_atom>(*worker, p, timeout, atom::ping::value, mode);
    resumed_on = std::this_thread::get_id();
    out.set_value(std::move(r));
  }

  std::thread::id resumed_on;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(ask, fixture)

BOOST_AUTO_TEST_CASE(replies_errors_and_timeouts_come_back_as_values) {
  auto p = sys->spawn(slow_pinger);
  std::chrono::milliseconds timeout{200};
  auto ok = ask(p, timeout, 0);
  BOOST_TEST(ok.ok());
  auto failed = ask(p, timeout, 1);
  BOOST_REQUIRE(!failed.ok());
  BOOST_TEST(failed.error().code == ec::not_found);
  BOOST_TEST(failed.error().message == "nothing here");
  auto late = ask(p, timeout, 2);
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
  auto res = ask(p, std::chrono::seconds(2), 0);
  BOOST_REQUIRE(!res.ok());
  BOOST_TEST(res.error().code == ec::unavailable);
}

BOOST_AUTO_TEST_SUITE_END()
