#include "protocol/rate_limit.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace tessera::rate_limit {

buckets::buckets(double rate, double burst, size_t max_keys)
    : rate_(rate), burst_(burst), max_keys_(max_keys) {
  // Written as negations so NaN is refused too.
  if (!(rate > 0) || !(burst >= 1) || max_keys == 0)
    throw std::invalid_argument("rate_limit: rate must be > 0, burst >= 1, max_keys >= 1");
}

decision buckets::take(std::string_view key, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto& b = refill(key, now_ms);
  auto d = judge(b.tokens);
  if (d.allowed) b.tokens -= 1;
  return d;
}

decision buckets::peek(std::string_view key, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  // An absent key is a full bucket; peeking does not create one, so probes
  // cost no memory.
  auto it = buckets_.find(std::string(key));
  return judge(it == buckets_.end() ? burst_ : level(it->second, now_ms));
}

bool buckets::full(std::string_view key, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(std::string(key));
  return it == buckets_.end() || level(it->second, now_ms) >= burst_;
}

void buckets::reset(std::string_view key) {
  std::lock_guard lock(mutex_);
  buckets_.erase(std::string(key));  // absent is the same as full
}

void buckets::give_back(std::string_view key) {
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(std::string(key));
  if (it != buckets_.end())
    it->second.tokens = std::min(burst_, it->second.tokens + 1);
}

size_t buckets::size() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

double buckets::level(const bucket& b, int64_t now_ms) const {
  auto elapsed = std::max<int64_t>(0, now_ms - b.updated_ms);
  return std::min(burst_, b.tokens + static_cast<double>(elapsed) * rate_ / 1000.0);
}

decision buckets::judge(double tokens) const {
  if (tokens >= 1) return {};
  // Rounded up so that at now + retry_after a token is really back.
  auto wait = std::ceil((1 - tokens) * 1000.0 / rate_);
  return {false, std::max<int64_t>(1, static_cast<int64_t>(wait))};
}

buckets::bucket& buckets::refill(std::string_view key, int64_t now_ms) {
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) {
      evict(now_ms);
    } else if (++inserted_since_sweep_ >= sweep_every()) {
      // Keys seen once (an agent that went offline, a passing address) would
      // otherwise stay until the table is full.
      drop_full(now_ms);
    }
    return buckets_.emplace(std::string(key), bucket{burst_, now_ms}).first->second;
  }
  auto& b = it->second;
  b.tokens = level(b, now_ms);
  b.updated_ms = std::max(b.updated_ms, now_ms);
  return b;
}

size_t buckets::sweep_every() const { return std::max<size_t>(1024, max_keys_ / 8); }

void buckets::drop_full(int64_t now_ms) {
  inserted_since_sweep_ = 0;
  std::erase_if(buckets_, [&](const auto& entry) { return level(entry.second, now_ms) >= burst_; });
}

void buckets::evict(int64_t now_ms) {
  // A scan is O(max_keys), so each one frees an eighth of the table: a flood
  // of new keys (one per spoofed address) then costs O(1) per key on average.
  size_t target = max_keys_ - std::max<size_t>(1, max_keys_ / 8);
  drop_full(now_ms);
  if (buckets_.size() <= target) return;
  std::vector<int64_t> times;
  times.reserve(buckets_.size());
  for (const auto& [key, b] : buckets_) times.push_back(b.updated_ms);
  size_t excess = buckets_.size() - target;
  std::nth_element(times.begin(), times.begin() + static_cast<ptrdiff_t>(excess - 1), times.end());
  int64_t cutoff = times[excess - 1];
  for (auto it = buckets_.begin(); it != buckets_.end() && excess > 0;) {
    if (it->second.updated_ms <= cutoff) {
      it = buckets_.erase(it);
      --excess;
    } else {
      ++it;
    }
  }
}

}  // namespace tessera::rate_limit
