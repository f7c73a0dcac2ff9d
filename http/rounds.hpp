#pragma once
// Sharing one piece of work between the requests that ask for it at once, on
// one I/O thread (handlers there never run concurrently, so no lock):
// `co_await r.join(make)` waits for a round of `make()` that *starts after*
// the call, and shares its result with every caller that joined it. While a
// round runs, new callers queue for the next one, which the first of them
// leads when the running round ends. So under load the work runs about once
// per round trip instead of once per request, and no caller gets an answer
// older than its own request.
#include <coroutine>
#include <exception>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "http/task.hpp"

namespace tessera::http {

template <class T>
class rounds {
public:
  using result = std::shared_ptr<const T>;

  /// The result of a round that started after this call; `make` is the
  /// round's work, run by whichever caller leads the round. nullptr when the
  /// round's work threw.
  task<result> join(const std::function<task<T>()>& make) {
    std::vector<waiter*> followers;
    if (running_) {
      waiter me;
      co_await park{next_, me};
      if (!me.lead)
        co_return std::move(me.value);
      followers = std::move(me.followers);
    }
    running_ = true;
    result value;
    try {
      value = std::make_shared<const T>(co_await make());
    } catch (...) {
      value = nullptr;
    }
    running_ = false;
    // Who came while this round ran waits for the next: its first leads it.
    if (auto later = std::exchange(next_, {}); !later.empty()) {
      running_ = true;
      auto* lead = later.front();
      lead->lead = true;
      lead->followers.assign(later.begin() + 1, later.end());
      lead->handle.resume();
    }
    for (auto* w : followers) {
      w->value = value;
      w->handle.resume();
    }
    co_return value;
  }

  /// Callers waiting for the next round (for tests).
  size_t queued() const { return next_.size(); }

private:
  struct waiter {
    std::coroutine_handle<> handle;
    bool lead = false;
    std::vector<waiter*> followers;  // when leading
    result value;                    // when following
  };

  struct park {
    std::vector<waiter*>& queue;
    waiter& me;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) {
      me.handle = h;
      queue.push_back(&me);
    }
    void await_resume() const noexcept {}
  };

  bool running_ = false;
  std::vector<waiter*> next_;
};

}  // namespace tessera::http
