#include "protocol/signal_limits.hpp"

#include <algorithm>

namespace tessera::signal {

namespace limits_detail {
namespace {

// A flood is judged over this window: more refusals than the burst in it
// means the client isn't backing off.
constexpr int64_t flood_window_ms = 10'000;
constexpr int64_t day_ms = 86'400'000;

/// Refills a token bucket for the time since `updated` (never backwards).
void refill(double& tokens, int64_t& updated, double rate, double burst, int64_t now_ms) {
  if (now_ms > updated) {
    tokens = std::min(burst, tokens + rate * static_cast<double>(now_ms - updated) / 1000.0);
    updated = now_ms;
  }
}

}  // namespace
}  // namespace limits_detail

frame_limiter::frame_limiter(double per_sec, int burst)
    : rate_(per_sec), burst_(std::max(1, burst)), tokens_(burst_) {}

frame_limiter::verdict frame_limiter::take(int64_t now_ms) {
  limits_detail::refill(tokens_, updated_ms_, rate_, burst_, now_ms);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return allow;
  }
  if (refused_in_window_ == 0 || now_ms - refused_window_start_ >= limits_detail::flood_window_ms) {
    refused_window_start_ = now_ms;
    refused_in_window_ = 0;
  }
  refused_in_window_ += 1;
  return refused_in_window_ > burst_ ? close : refuse;
}

byte_limiter::byte_limiter(double bytes_per_sec, double burst_bytes)
    : rate_(bytes_per_sec), burst_(burst_bytes), tokens_(burst_bytes) {}

bool byte_limiter::take(size_t bytes, int64_t now_ms) {
  limits_detail::refill(tokens_, updated_ms_, rate_, burst_, now_ms);
  auto need = static_cast<double>(bytes);
  if (need > tokens_)
    return false;
  tokens_ -= need;
  return true;
}

daily_quota::daily_quota(uint64_t bytes_per_day) : limit_(bytes_per_day) {}

bool daily_quota::charge(const std::string& agent_id, uint64_t bytes, int64_t now_ms) {
  int64_t day = now_ms / limits_detail::day_ms;
  if (day != day_) {
    // A new UTC day: yesterday's counts are dropped, not carried.
    used_.clear();
    day_ = day;
  }
  auto& used = used_[agent_id];
  if (used + bytes > limit_) {
    if (used == 0)
      used_.erase(agent_id);
    return false;
  }
  used += bytes;
  return true;
}

uint64_t daily_quota::used(const std::string& agent_id, int64_t now_ms) const {
  if (now_ms / limits_detail::day_ms != day_)
    return 0;
  auto it = used_.find(agent_id);
  return it == used_.end() ? 0 : it->second;
}

}  // namespace tessera::signal
