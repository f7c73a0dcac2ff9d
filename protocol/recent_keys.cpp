#include "protocol/recent_keys.hpp"

namespace tessera {

recent_keys::recent_keys(int64_t max_age_ms, size_t max_keys)
    : max_age_ms_(max_age_ms), max_keys_(max_keys < 1 ? 1 : max_keys) {}

void recent_keys::note(std::string_view key, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  std::string k(key);
  if (auto it = index_.find(k); it != index_.end()) {
    order_.erase(it->second);
    index_.erase(it);
  }
  order_.push_front({k, now_ms});
  index_.emplace(std::move(k), order_.begin());
  while (order_.size() > max_keys_) {
    index_.erase(order_.back().key);
    order_.pop_back();
  }
}

bool recent_keys::contains(std::string_view key, int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  auto it = index_.find(std::string(key));
  return it != index_.end() && now_ms - it->second->seen_ms <= max_age_ms_;
}

size_t recent_keys::size() const {
  std::lock_guard lock(mutex_);
  return order_.size();
}

}  // namespace tessera
