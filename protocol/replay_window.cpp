#include "protocol/replay_window.hpp"

namespace tessera {

replay_window::replay_window(int64_t window, int64_t not_before, size_t capacity)
    : window_(window), not_before_(not_before), capacity_(capacity) {}

replay_window::verdict replay_window::check(const std::string& key_id, const std::string& nonce,
                                            int64_t created, int64_t now) {
  if (created < not_before_) return verdict::too_old;
  evict(now);
  auto key = key_id + '\n' + nonce;  // '\n' can't occur in either part, so pairs don't collide
  if (seen_.count(key)) return verdict::replayed;
  if (seen_.size() >= capacity_) return verdict::full;
  seen_.insert(key);
  by_expiry_.emplace(created + window_, std::move(key));
  return verdict::fresh;
}

void replay_window::evict(int64_t now) {
  // A signature created at t verifies while now <= t + window, so its entry
  // must stay through that second: drop only entries with expiry < now.
  auto end = by_expiry_.lower_bound(now);
  for (auto it = by_expiry_.begin(); it != end; ++it) seen_.erase(it->second);
  by_expiry_.erase(by_expiry_.begin(), end);
}

}  // namespace tessera
