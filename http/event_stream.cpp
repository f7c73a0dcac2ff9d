#include "http/event_stream.hpp"

#include <utility>

namespace tessera::http {

void event_stream::wake_locked(std::unique_lock<std::mutex>& lock) {
  if (!wake_ || wake_pending_)
    return;
  wake_pending_ = true;
  auto wake = wake_;
  lock.unlock();
  wake();
}

bool event_stream::send(std::string event) {
  std::unique_lock lock(m_);
  if (closing_ || overflowed_ || finished_)
    return false;
  if (queued_.size() + event.size() > max_bytes_) {
    overflowed_ = true;
    queued_.clear();
    wake_pending_ = false;  // wake even while a write is in progress: it is cut off
    wake_locked(lock);
    return false;
  }
  queued_ += event;
  wake_locked(lock);
  return true;
}

void event_stream::close(std::string last) {
  std::unique_lock lock(m_);
  if (closing_ || overflowed_ || finished_)
    return;
  closing_ = true;
  queued_ += last;
  wake_locked(lock);
}

void event_stream::on_closed(std::function<void()> f) {
  std::lock_guard lock(m_);
  on_closed_ = std::move(f);
}

void event_stream::attach(std::function<void()> wake) {
  std::unique_lock lock(m_);
  wake_ = std::move(wake);
  if (!queued_.empty() || closing_ || overflowed_)
    wake_locked(lock);
}

bool event_stream::overflowed() {
  std::lock_guard lock(m_);
  return overflowed_;
}

std::string event_stream::take(bool& ended, bool& overflowed) {
  std::lock_guard lock(m_);
  wake_pending_ = false;
  overflowed = overflowed_;
  ended = closing_ || overflowed_;
  return std::exchange(queued_, {});
}

void event_stream::finish() {
  std::function<void()> notify;
  {
    std::lock_guard lock(m_);
    if (finished_)
      return;
    finished_ = true;
    queued_.clear();
    wake_ = nullptr;
    notify = std::move(on_closed_);
  }
  if (notify)
    notify();
}

}  // namespace tessera::http
