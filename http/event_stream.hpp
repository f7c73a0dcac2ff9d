#pragma once
// A streamed answer (Server-Sent Events): the bounded queue between the actor
// that feeds it (through stream_sink, from any thread) and the connection that
// writes it (on its I/O thread). A reader that falls behind by more than
// `max_bytes` is cut off: the stream closes and the connection counts and logs
// it. When the stream ends, for whatever reason, `on_closed` runs once on the
// connection's thread, so the feeder can stop at once.
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "actors/stream_sink.hpp"

namespace tessera::http {

class event_stream : public stream_sink {
public:
  explicit event_stream(size_t max_bytes) : max_bytes_(max_bytes) {}

  // -- the feeder's side (stream_sink) --
  bool send(const shared_text& event) override;
  void close(std::string last) override;

  // -- the handler's side --
  /// Runs once when the stream ends (client gone, closed, overflowed).
  void on_closed(std::function<void()> f);
  /// The `Last-Event-ID` the client sent, for the feeder ("" if none).
  std::string last_event_id;

  // -- the connection's side --
  /// From now on, `wake` runs (on any thread; it posts) whenever there is
  /// something to write; once at once if something is queued already.
  void attach(std::function<void()> wake);
  /// Moves what is queued to the end of `out`; `ended` once close() was
  /// called (and all of it taken) or the queue overflowed.
  void take(std::vector<shared_text>& out, bool& ended, bool& overflowed);
  /// Whether a send did not fit (also while a write is still in progress).
  bool overflowed();
  /// The connection is gone or done: refuse everything from now on and run
  /// on_closed (on the caller's thread).
  void finish();

private:
  void wake_locked(std::unique_lock<std::mutex>& lock);

  const size_t max_bytes_;
  std::mutex m_;
  // Events, not their bytes concatenated: a fanned-out event is shared, so
  // the feeder allocates nothing per stream.
  std::vector<shared_text> queued_;
  size_t queued_bytes_ = 0;
  bool closing_ = false;     // close() was called
  bool overflowed_ = false;  // a send did not fit
  bool finished_ = false;
  bool wake_pending_ = false;
  std::shared_ptr<const std::function<void()>> wake_;  // shared: copied under the lock
  std::function<void()> on_closed_;
};

}  // namespace tessera::http
