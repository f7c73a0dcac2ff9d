#pragma once
// Owns the replay window of signed requests: a (keyid, nonce) pair is accepted
// once within the signature skew window.
#include <memory>

#include "actors/interfaces.hpp"
#include "protocol/replay_window.hpp"

namespace tessera {

struct replay_guard_state {
  std::unique_ptr<replay_window> window;       // registered agents' keys
  std::unique_ptr<replay_window> registering;  // keys of registration requests
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  static inline const char* name = "replay_guard";
};

/// `window_seconds`: the signature skew; signatures created before `not_before`
/// (seconds; the process start) are refused, since their nonces were not recorded.
replay_guard_actor::behavior_type replay_guard(
    replay_guard_actor::stateful_pointer<replay_guard_state> self, int64_t window_seconds,
    int64_t not_before, size_t capacity, size_t per_key);

}  // namespace tessera
