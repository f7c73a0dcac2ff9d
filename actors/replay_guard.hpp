#pragma once
// Owns the replay window of signed requests: a (keyid, nonce) pair is accepted
// once within the signature skew window. This node's window comes first (and
// holds the quotas); when the nodes share a store (auth.replay_store), a pair
// fresh here is then claimed there, so a request captured on one node is
// refused on every other.
#include <memory>
#include <optional>

#include "config/settings.hpp"

#include "actors/interfaces.hpp"
#include "protocol/replay_window.hpp"

namespace tessera {

struct replay_guard_state {
  std::unique_ptr<replay_window> window;       // registered agents' keys
  std::unique_ptr<replay_window> registering;  // keys of registration requests
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  uint64_t shared_replays = 0;  // fresh here, but seen by another node
  static inline const char* name = "replay_guard";
};

struct replay_guard_config {
  int64_t window_seconds = 300;  // the signature skew
  // Signatures created before this (seconds; the process start) are refused,
  // since their nonces were not recorded.
  int64_t not_before = 0;
  size_t capacity = 1'000'000;
  size_t per_key = 10'000;
  std::optional<nonce_keeper_actor> shared;  // none: this node's window only
  config::millis timeout{10'000};            // for the shared store
};

replay_guard_actor::behavior_type replay_guard(
    replay_guard_actor::stateful_pointer<replay_guard_state> self, replay_guard_config cfg);

}  // namespace tessera
