#pragma once
// Asking an actor from a handler without blocking: `co_await ask<R>(...)`
// sends the request from the connection's I/O worker (its companion) and
// suspends the handler; the reply, the error or the timeout resumes it on the
// same thread, as a value. The deadline is an asio timer on that thread: when
// it fires first, the request's own error handler gets CAF's request_timeout
// (so the pending response handler is cleared, and a late reply is dropped).
#include <boost/asio/steady_timer.hpp>
#include <caf/all.hpp>

#include <chrono>
#include <coroutine>
#include <optional>
#include <tuple>
#include <variant>

#include "actors/errors.hpp"
#include "http/io_worker.hpp"
#include "http/route_table.hpp"

namespace tessera::http {

template <class R>
struct reply {
  std::variant<R, problem> value;
  bool ok() const { return value.index() == 0; }
  R& get() { return std::get<0>(value); }
  const R& get() const { return std::get<0>(value); }
  const problem& error() const { return std::get<1>(value); }
};

template <class R, caf::message_priority P, class Handle, class... Ts>
class ask_awaitable {
public:
  ask_awaitable(io_worker& w, Handle dest, std::chrono::milliseconds timeout, Ts... xs)
      : worker_(w), dest_(std::move(dest)), timeout_(timeout), args_(std::move(xs)...) {}

  bool await_ready() const noexcept { return false; }

  void await_suspend(std::coroutine_handle<> h) {
    auto& self = worker_.self();
    auto handle = std::apply(
        [&](auto&... xs) { return self.template request<P>(dest_, caf::infinite, std::move(xs)...); },
        args_);
    auto mid = handle.id();
    timer_.emplace(worker_.context(), timeout_);
    timer_->async_wait([w = &worker_, mid](boost::system::error_code e) {
      if (e)
        return;  // answered first: the timer was cancelled
      auto timeout = caf::make_mailbox_element(nullptr, mid, {},
                                               caf::make_error(caf::sec::request_timeout));
      w->self().activate(w->unit(), *timeout);
    });
    handle.then(
        [this, h](R& r) {
          result_.emplace(reply<R>{std::move(r)});
          timer_->cancel();
          h.resume();
        },
        [this, h](caf::error& err) {
          result_.emplace(reply<R>{to_problem(err)});
          timer_->cancel();
          h.resume();
        });
  }

  reply<R> await_resume() { return std::move(*result_); }

private:
  io_worker& worker_;
  Handle dest_;
  std::chrono::milliseconds timeout_;
  std::tuple<Ts...> args_;
  std::optional<boost::asio::steady_timer> timer_;
  std::optional<reply<R>> result_;
};

/// `co_await ask<R>(worker, dest, timeout, xs...)`: the reply as a value.
/// High priority (`P`) puts the request ahead of the receiver's queued work.
template <class R, caf::message_priority P = caf::message_priority::normal, class Handle,
          class... Ts>
auto ask(io_worker& w, const Handle& dest, std::chrono::milliseconds timeout, Ts&&... xs) {
  return ask_awaitable<R, P, Handle, std::decay_t<Ts>...>(w, dest, timeout,
                                                          std::forward<Ts>(xs)...);
}

/// The same from a handler: through its worker, with server.request_timeout.
template <class R, caf::message_priority P = caf::message_priority::normal, class Handle,
          class... Ts>
auto ask(const call& c, const Handle& dest, Ts&&... xs) {
  return ask<R, P>(c.io, dest, c.ctx.cfg.server.request_timeout, std::forward<Ts>(xs)...);
}

}  // namespace tessera::http
