#pragma once
// httplib's task queue with a bound (rate_limit.max_connections): at most that
// many connections are queued for or served by the workers. A connection over
// the bound goes to a small separate pool whose threads answer every request
// with 503, so a flood is turned away quickly instead of queueing without end
// behind the workers.
#include <httplib.h>

#include <atomic>
#include <cstddef>
#include <functional>

namespace tessera::http {

class connection_pool : public httplib::TaskQueue {
public:
  connection_pool(size_t workers, size_t max_connections);

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

  /// True on a thread that is turning a connection away.
  static bool turning_away();

private:
  httplib::ThreadPool workers_;
  httplib::ThreadPool overflow_;
  std::atomic<size_t> open_{0};
  size_t max_;
};

}  // namespace tessera::http
