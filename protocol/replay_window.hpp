#pragma once
// Remembers (keyid, nonce) pairs for the signature skew window so a captured
// signed request can't be replayed. Not thread-safe: one actor owns it.
#include <cstdint>
#include <map>
#include <string>
#include <unordered_set>

namespace tessera {

class replay_window {
public:
  /// `window` in seconds; `not_before`: signatures created earlier are refused
  /// (the process start, so a restart can't forget nonces that are still valid);
  /// `capacity` bounds memory.
  replay_window(int64_t window, int64_t not_before, size_t capacity);

  enum class verdict { fresh, replayed, too_old, full };

  /// Records the pair if fresh. `created` and `now` are seconds.
  verdict check(const std::string& key_id, const std::string& nonce, int64_t created, int64_t now);

  size_t size() const { return seen_.size(); }

private:
  void evict(int64_t now);
  int64_t window_;
  int64_t not_before_;
  size_t capacity_;
  std::unordered_set<std::string> seen_;
  std::multimap<int64_t, std::string> by_expiry_;  // created + window -> key
};

}  // namespace tessera
