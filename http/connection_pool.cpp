#include "http/connection_pool.hpp"

namespace tessera::http {

namespace {

thread_local bool overflow_thread = false;

// Turning a connection away costs one short request; two threads are enough.
constexpr size_t overflow_threads = 2;

}  // namespace

connection_pool::connection_pool(size_t workers, size_t max_connections)
    : workers_(workers), overflow_(overflow_threads), max_(max_connections) {}

void connection_pool::enqueue(std::function<void()> fn) {
  if (open_.fetch_add(1) >= max_) {
    open_.fetch_sub(1);
    overflow_.enqueue([fn = std::move(fn)] {
      overflow_thread = true;
      fn();
      overflow_thread = false;
    });
    return;
  }
  workers_.enqueue([this, fn = std::move(fn)] {
    fn();
    open_.fetch_sub(1);
  });
}

void connection_pool::shutdown() {
  workers_.shutdown();
  overflow_.shutdown();
}

bool connection_pool::turning_away() {
  return overflow_thread;
}

}  // namespace tessera::http
