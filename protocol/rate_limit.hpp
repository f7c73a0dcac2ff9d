#pragma once
// Token buckets keyed by a string ("ip:1.2.3.4", "user:usr_...", "login:bob@x").
// Thread-safe; time is passed in, so tests control it. Memory is bounded: at
// most `max_keys` buckets; when full, buckets that have refilled completely
// (and so carry no state) are dropped first, then the oldest. Full buckets are
// also dropped every max(1024, max_keys / 8) new keys, so keys seen once don't
// stay until the table fills (O(1) per new key on average).
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tessera::rate_limit {

struct decision {
  bool allowed = true;
  int64_t retry_after_ms = 0;  // when refused: until one token is back
};

class buckets {
public:
  /// `rate` tokens per second refill (> 0), `burst` capacity (>= 1),
  /// `max_keys` >= 1; throws std::invalid_argument otherwise.
  buckets(double rate, double burst, size_t max_keys = 100'000);

  /// Takes one token from `key`'s bucket if it has one.
  decision take(std::string_view key, int64_t now_ms);
  /// Would `take` succeed? Takes nothing (login throttling checks before it
  /// knows whether the attempt fails).
  decision peek(std::string_view key, int64_t now_ms);
  /// Whether `key`'s bucket is full (never taken from, or refilled since).
  bool full(std::string_view key, int64_t now_ms);
  /// Refills `key` completely (e.g. after a successful login).
  void reset(std::string_view key);
  /// Gives back one token taken from `key` (up to the burst): an attempt that
  /// is counted before its outcome is known, and turned out not to count.
  void give_back(std::string_view key);

  size_t size() const;

private:
  struct bucket {
    double tokens;
    int64_t updated_ms;
  };
  /// `b`'s tokens as of `now_ms` (time never runs backwards for a bucket).
  double level(const bucket& b, int64_t now_ms) const;
  decision judge(double tokens) const;
  bucket& refill(std::string_view key, int64_t now_ms);
  void evict(int64_t now_ms);
  void drop_full(int64_t now_ms);
  size_t sweep_every() const;

  double rate_;
  double burst_;
  size_t max_keys_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, bucket> buckets_;
  size_t inserted_since_sweep_ = 0;
};

}  // namespace tessera::rate_limit
