#include "http/event_stream.hpp"

#include <utility>

namespace tessera::http {

void event_stream::wake_locked(std::unique_lock<std::mutex>& lock) {
  if (!wake_ || wake_pending_)
    return;
  wake_pending_ = true;
  auto wake = wake_;
  lock.unlock();
  (*wake)();
}

bool event_stream::send(const shared_text& event) {
  std::unique_lock lock(m_);
  if (closing_ || overflowed_ || finished_)
    return false;
  if (queued_bytes_ + event->size() > max_bytes_) {
    overflowed_ = true;
    queued_.clear();
    queued_bytes_ = 0;
    wake_pending_ = false;  // wake even while a write is in progress: it is cut off
    wake_locked(lock);
    return false;
  }
  queued_.push_back(event);
  queued_bytes_ += event->size();
  wake_locked(lock);
  return true;
}

void event_stream::close(std::string last) {
  std::unique_lock lock(m_);
  if (closing_ || overflowed_ || finished_)
    return;
  closing_ = true;
  if (!last.empty()) {
    queued_bytes_ += last.size();
    queued_.push_back(std::make_shared<const std::string>(std::move(last)));
  }
  wake_locked(lock);
}

void event_stream::on_closed(std::function<void()> f) {
  std::lock_guard lock(m_);
  on_closed_ = std::move(f);
}

void event_stream::attach(std::function<void()> wake) {
  std::unique_lock lock(m_);
  wake_ = std::make_shared<const std::function<void()>>(std::move(wake));
  if (!queued_.empty() || closing_ || overflowed_)
    wake_locked(lock);
}

bool event_stream::overflowed() {
  std::lock_guard lock(m_);
  return overflowed_;
}

void event_stream::take(std::vector<shared_text>& out, bool& ended, bool& overflowed) {
  std::lock_guard lock(m_);
  wake_pending_ = false;
  overflowed = overflowed_;
  ended = closing_ || overflowed_;
  // The queue keeps its capacity for the next events.
  out.insert(out.end(), std::make_move_iterator(queued_.begin()),
             std::make_move_iterator(queued_.end()));
  queued_.clear();
  queued_bytes_ = 0;
}

void event_stream::finish() {
  std::function<void()> notify;
  {
    std::lock_guard lock(m_);
    if (finished_)
      return;
    finished_ = true;
    queued_.clear();
    queued_bytes_ = 0;
    wake_ = nullptr;
    notify = std::move(on_closed_);
  }
  if (notify)
    notify();
}

}  // namespace tessera::http
