#pragma once
// Keys remembered for a while: "this address signed in to this account
// lately". Thread-safe; time is passed in. Bounded: at most `max_keys`, the
// least recently seen dropped first.
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tessera {

class recent_keys {
public:
  /// `max_age_ms` > 0, `max_keys` >= 1.
  recent_keys(int64_t max_age_ms, size_t max_keys);

  /// Remembers `key` as seen at `now_ms`.
  void note(std::string_view key, int64_t now_ms);
  /// Whether `key` was noted within max_age_ms of `now_ms`.
  bool contains(std::string_view key, int64_t now_ms) const;
  size_t size() const;

private:
  struct entry {
    std::string key;
    int64_t seen_ms;
  };
  int64_t max_age_ms_;
  size_t max_keys_;
  mutable std::mutex mutex_;
  std::list<entry> order_;  // most recently seen first
  std::unordered_map<std::string, std::list<entry>::iterator> index_;
};

}  // namespace tessera
