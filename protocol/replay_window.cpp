#include "protocol/replay_window.hpp"

#include <sodium.h>

#include <cstring>
#include <string>

namespace tessera {

namespace {

replay_window::digest hash_of(std::string_view text) {
  replay_window::digest d;
  crypto_generichash(d.data(), d.size(), reinterpret_cast<const unsigned char*>(text.data()),
                     text.size(), nullptr, 0);
  return d;
}

std::string pair_text(std::string_view key_id, std::string_view nonce) {
  // '\n' can't occur in either part, so pairs don't collide.
  std::string pair{key_id};
  pair += '\n';
  pair += nonce;
  return pair;
}

}  // namespace

std::string replay_window::pair_hex(std::string_view key_id, std::string_view nonce) {
  auto d = hash_of(pair_text(key_id, nonce));
  std::string hex(d.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), d.data(), d.size());
  hex.pop_back();
  return hex;
}

size_t replay_window::digest_hash::operator()(const digest& d) const {
  size_t h;
  std::memcpy(&h, d.data(), sizeof h);  // already uniformly distributed
  return h;
}

replay_window::replay_window(int64_t window, int64_t not_before, size_t capacity, size_t per_key)
    : window_(window), not_before_(not_before), capacity_(capacity), per_key_(per_key) {}

replay_window::verdict replay_window::check(std::string_view key_id, std::string_view nonce,
                                            int64_t created, int64_t now) {
  if (created < not_before_)
    return verdict::too_old;
  evict(now);
  entry e{hash_of(pair_text(key_id, nonce)), hash_of(key_id)};
  if (seen_.count(e.pair))
    return verdict::replayed;
  if (seen_.size() >= capacity_)
    return verdict::full;
  auto& count = per_key_count_[e.key];
  if (count >= per_key_)
    return verdict::key_quota;
  ++count;
  seen_.insert(e.pair);
  by_expiry_.emplace(created + window_, e);
  return verdict::fresh;
}

void replay_window::evict(int64_t now) {
  // A signature created at t verifies while now <= t + window, so its entry
  // must stay through that second: drop only entries with expiry < now.
  auto end = by_expiry_.lower_bound(now);
  for (auto it = by_expiry_.begin(); it != end; ++it) {
    seen_.erase(it->second.pair);
    auto k = per_key_count_.find(it->second.key);
    if (k != per_key_count_.end() && --k->second == 0)
      per_key_count_.erase(k);
  }
  by_expiry_.erase(by_expiry_.begin(), end);
}

}  // namespace tessera
