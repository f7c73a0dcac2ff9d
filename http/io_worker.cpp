#include "http/io_worker.hpp"

#include <spdlog/spdlog.h>

namespace tessera::http {

io_worker::io_worker(caf::actor_system& sys) : unit_(&sys) {
  handle_ = caf::actor_cast<caf::strong_actor_ptr>(sys.spawn<io_companion>());
  companion_ = static_cast<io_companion*>(caf::actor_cast<caf::abstract_actor*>(handle_));
  companion_->context(&unit_);
  // A behavior of its own keeps the companion alive between requests (an
  // actor without one ends when it awaits no more responses).
  companion_->become([](caf::ok_atom) {});
  // Called by whichever thread replies; the reply is handled on ours. A
  // reply that never runs (the worker stopped) is freed with the handler.
  companion_->on_enqueue([this](caf::mailbox_element_ptr ptr) {
    std::shared_ptr<caf::mailbox_element> msg{ptr.release(), [](caf::mailbox_element* m) {
                                                caf::mailbox_element_ptr{m};
                                              }};
    post([this, msg] { companion_->activate(&unit_, *msg); });
  });
}

io_worker::~io_worker() {
  stop();
}

void io_worker::start() {
  thread_ = std::thread([this] {
    // Handlers catch what they throw; anything else must not end the thread
    // (and with it every connection on it) silently.
    for (;;) {
      try {
        ioc_.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("http: an I/O handler threw: {}", e.what());
      }
    }
  });
}

void io_worker::stop() {
  {
    std::unique_lock lock(gate_->m);
    if (!gate_->open)
      return;
    gate_->open = false;
  }
  companion_->on_enqueue({});
  ioc_.stop();
  if (thread_.joinable())
    thread_.join();
  companion_->cleanup(caf::exit_reason::user_shutdown, &unit_);
}

}  // namespace tessera::http
