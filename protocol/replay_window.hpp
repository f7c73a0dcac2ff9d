#pragma once
// Remembers (keyid, nonce) pairs for the signature skew window so a captured
// signed request can't be replayed. Each pair is kept as a 16-byte hash, and
// each key has a quota, so one key (or a flood of keys) can't fill the window
// for the others. Not thread-safe: one actor owns it.
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace tessera {

class replay_window {
public:
  /// `window` in seconds; `not_before`: signatures created earlier are refused
  /// (the process start, so a restart can't forget nonces that are still valid);
  /// `capacity` bounds memory; `per_key`: pairs one key may have in the window.
  replay_window(int64_t window, int64_t not_before, size_t capacity, size_t per_key);

  enum class verdict { fresh, replayed, too_old, full, key_quota };

  /// Records the pair if fresh. `created` and `now` are seconds.
  verdict check(std::string_view key_id, std::string_view nonce, int64_t created, int64_t now);

  size_t size() const { return seen_.size(); }

  /// The pair's 16-byte hash in hex: how the pair is known outside this
  /// process (the shared store of storage/nonce_store.hpp).
  static std::string pair_hex(std::string_view key_id, std::string_view nonce);

  using digest = std::array<unsigned char, 16>;
  struct digest_hash {
    size_t operator()(const digest& d) const;
  };

private:
  struct entry {
    digest pair;
    digest key;
  };
  void evict(int64_t now);
  int64_t window_;
  int64_t not_before_;
  size_t capacity_;
  size_t per_key_;
  std::unordered_set<digest, digest_hash> seen_;
  std::unordered_map<digest, uint32_t, digest_hash> per_key_count_;
  std::multimap<int64_t, entry> by_expiry_;  // created + window -> entry
};

}  // namespace tessera
