// Sharing a round of work between concurrent callers on one thread.
#include "http/rounds.hpp"

#include <boost/test/unit_test.hpp>

#include <coroutine>
#include <memory>
#include <vector>

using tessera::http::task;

namespace {

/// A round's work that finishes when the test says so. (Awaited through
/// wait(): GCC 12 awaits a copy of a member awaited as `co_await this->g`.)
struct gate {
  std::vector<std::coroutine_handle<>> waiting;
  struct awaiter {
    gate* g;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) { g->waiting.push_back(h); }
    void await_resume() const noexcept {}
  };
  awaiter wait() { return {this}; }
  void open() {
    auto now = std::move(waiting);
    for (auto h : now)
      h.resume();
  }
};

struct fixture {
  gate g;
  int started = 0;  // rounds begun
  tessera::http::rounds<int> r;
  std::function<task<int>()> make = [this]() -> task<int> {
    int mine = ++started;
    co_await g.wait();
    co_return mine;
  };
  std::vector<int> got;

  void call() {
    tessera::http::start(ask(), [](std::exception_ptr) {});
  }
  task<> ask() {
    auto v = co_await r.join(make);
    got.push_back(v ? *v : -1);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(rounds)

BOOST_FIXTURE_TEST_CASE(callers_during_a_round_share_the_next_one, fixture) {
  call();  // leads round 1
  BOOST_TEST(started == 1);
  call();
  call();  // both wait for round 2: round 1 began before them
  BOOST_TEST(started == 1);
  BOOST_TEST(r.queued() == 2u);
  g.open();  // round 1 ends; its leader answers, round 2 starts
  BOOST_TEST((got == std::vector<int>{1}));
  BOOST_TEST(started == 2);
  call();  // comes during round 2: waits for round 3
  g.open();
  BOOST_TEST((got == std::vector<int>{1, 2, 2}));
  BOOST_TEST(started == 3);
  g.open();
  BOOST_TEST((got == std::vector<int>{1, 2, 2, 3}));
  BOOST_TEST(r.queued() == 0u);
}

BOOST_FIXTURE_TEST_CASE(a_lone_caller_runs_its_own_round, fixture) {
  call();
  g.open();
  call();
  g.open();
  BOOST_TEST((got == std::vector<int>{1, 2}));
}

BOOST_AUTO_TEST_SUITE_END()
