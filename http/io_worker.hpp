#pragma once
// One I/O thread of the front: an io_context run by one thread, and the actor
// that speaks for that thread to the rest of the system. Every connection
// lives on one worker; its handlers run on the worker's thread and ask actors
// through the worker's companion (a caf::actor_companion with `request`), whose
// replies are posted back to the thread. So no thread waits for an actor, and
// no lock guards a connection.
#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <caf/actor_companion.hpp>
#include <caf/all.hpp>
#include <caf/scoped_execution_unit.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

#include "ws/post_gate.hpp"

namespace tessera::http {
class io_companion;
}  // namespace tessera::http

// Responses to the companion are handled by plain (untyped) behaviors.
namespace caf {
template <>
class behavior_type_of<tessera::http::io_companion> {
public:
  using type = behavior;
};
}  // namespace caf

namespace tessera::http {

/// An actor_companion that can `request(...).then(...)`.
class io_companion
    : public caf::extend<caf::actor_companion, io_companion>::with<caf::mixin::requester> {
public:
  using super = caf::extend<caf::actor_companion, io_companion>::with<caf::mixin::requester>;
  using super::super;
  const char* name() const override { return "io_companion"; }
};

class io_worker {
public:
  explicit io_worker(caf::actor_system& sys);
  ~io_worker();
  io_worker(const io_worker&) = delete;
  io_worker& operator=(const io_worker&) = delete;

  boost::asio::io_context& context() { return ioc_; }
  /// The companion; use it on this worker's thread only.
  io_companion& self() { return *companion_; }
  caf::execution_unit* unit() { return &unit_; }
  const std::shared_ptr<ws::post_gate>& gate() const { return gate_; }

  void start();
  /// Closes the gate, ends the companion and joins the thread.
  void stop();

  /// Runs `f` on this worker's thread, unless the worker stopped.
  template <class F>
  void post(F&& f) {
    std::shared_lock lock(gate_->m);
    if (gate_->open)
      boost::asio::post(ioc_, std::forward<F>(f));
  }

  /// As post(), for work that comes in bursts from other threads (an event
  /// fanned out to thousands of streams): what arrives while a batch is
  /// pending joins it, so the thread is woken once per burst, not per call.
  void post_batched(std::function<void()> f) {
    {
      std::lock_guard lock(batch_m_);
      batch_.push_back(std::move(f));
      if (batch_.size() > 1)
        return;  // a drain is posted already
    }
    post([this] { drain_batch(); });
  }

private:
  void drain_batch() {
    {
      std::lock_guard lock(batch_m_);
      draining_.swap(batch_);  // batch_ gets the emptied vector's capacity back
    }
    for (auto& f : draining_)
      f();
    draining_.clear();
  }

  std::mutex batch_m_;
  std::vector<std::function<void()>> batch_;
  std::vector<std::function<void()>> draining_;  // this thread's only
  boost::asio::io_context ioc_{1};
  // Keeps run() going while there is nothing to do.
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{ioc_.get_executor()};
  caf::scoped_execution_unit unit_;
  caf::strong_actor_ptr handle_;
  io_companion* companion_ = nullptr;
  std::shared_ptr<ws::post_gate> gate_ = std::make_shared<ws::post_gate>();
  std::thread thread_;
};

}  // namespace tessera::http
