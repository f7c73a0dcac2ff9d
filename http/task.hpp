#pragma once
// The coroutine type of request handlers: `task<T>` is lazy (it runs when
// awaited), resumes its awaiter when it finishes (symmetric transfer, so a
// chain of handlers does not grow the stack), and carries a value or an
// exception. `start` runs a task<void> to its end without an awaiter and
// calls `done` with the exception it ended with, if any.
//
// Handlers run on their connection's I/O thread; a co_await on an actor
// (http/ask.hpp) suspends them without blocking that thread.
//
// Two rules for coroutines here, for GCC 12, which otherwise destroys a
// temporary twice: parameters are references or scalars, never class types by
// value; and no ?: inside a co_await expression.
#include <coroutine>
#include <exception>
#include <functional>
#include <optional>
#include <utility>

namespace tessera::http {

template <class T = void>
class task;

namespace task_detail {

struct promise_base {
  std::coroutine_handle<> continuation = std::noop_coroutine();
  std::exception_ptr error;

  std::suspend_always initial_suspend() noexcept { return {}; }

  struct final_awaiter {
    bool await_ready() noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      return h.promise().continuation;
    }
    void await_resume() noexcept {}
  };
  final_awaiter final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { error = std::current_exception(); }
};

template <class T>
struct promise : promise_base {
  std::optional<T> value;
  task<T> get_return_object() noexcept;
  void return_value(T x) { value.emplace(std::move(x)); }
  T take() {
    if (error)
      std::rethrow_exception(error);
    return std::move(*value);
  }
};

template <>
struct promise<void> : promise_base {
  task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void take() {
    if (error)
      std::rethrow_exception(error);
  }
};

}  // namespace task_detail

template <class T>
class [[nodiscard]] task {
public:
  using promise_type = task_detail::promise<T>;
  using handle_type = std::coroutine_handle<promise_type>;

  explicit task(handle_type h) noexcept : h_(h) {}
  task(task&& other) noexcept : h_(std::exchange(other.h_, {})) {}
  task& operator=(task&& other) noexcept {
    if (this != &other) {
      if (h_)
        h_.destroy();
      h_ = std::exchange(other.h_, {});
    }
    return *this;
  }
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() {
    if (h_)
      h_.destroy();
  }

  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiter) noexcept {
    h_.promise().continuation = awaiter;
    return h_;
  }
  T await_resume() { return h_.promise().take(); }

private:
  handle_type h_;
};

namespace task_detail {

template <class T>
task<T> promise<T>::get_return_object() noexcept {
  return task<T>{std::coroutine_handle<promise<T>>::from_promise(*this)};
}

inline task<void> promise<void>::get_return_object() noexcept {
  return task<void>{std::coroutine_handle<promise<void>>::from_promise(*this)};
}

/// The root of a chain: starts at once and destroys itself at its end.
struct detached {
  struct promise_type {
    detached get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }  // run_root catches all
  };
};

// Takes its parameters by value, the one exception to the rule above: start()
// passes them as xvalues (moved from named objects), never as temporaries.
inline detached run_root(task<void> t, std::function<void(std::exception_ptr)> done) {
  std::exception_ptr error;
  try {
    co_await t;
  } catch (...) {
    error = std::current_exception();
  }
  done(error);
}

}  // namespace task_detail

/// Runs `t` now, up to its first suspension; `done` runs when it has ended
/// (on whichever thread resumed it last), with its exception or nullptr.
inline void start(task<void> t, std::function<void(std::exception_ptr)> done) {
  task_detail::run_root(std::move(t), std::move(done));
}

/// Waits for tasks started side by side on one thread: each `arrive()`s when
/// it ends; `co_await`ing the latch resumes once all have.
class latch {
public:
  explicit latch(int count) : pending_(count) {}
  void arrive() {
    if (--pending_ == 0 && waiter_)
      std::exchange(waiter_, {}).resume();
  }
  bool await_ready() const noexcept { return pending_ == 0; }
  void await_suspend(std::coroutine_handle<> h) noexcept { waiter_ = h; }
  void await_resume() const noexcept {}

private:
  int pending_;
  std::coroutine_handle<> waiter_;
};

}  // namespace tessera::http
