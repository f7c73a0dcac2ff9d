#pragma once
// Claims signature nonces in the store every node shares
// (storage/nonce_store.hpp), in batches: every claim that reached the mailbox
// while the previous batch ran goes in the next one, so a signed request adds
// a row (or a key) but no round trip or commit of its own. Spawned detached:
// the store blocks. The replay guard asks it after its own (local) window
// found the pair fresh.
#include <memory>
#include <vector>

#include "actors/interfaces.hpp"
#include "storage/nonce_store.hpp"

namespace tessera {

struct nonce_keeper_state {
  struct waiting {
    storage::nonce_claim claim;
    caf::typed_response_promise<bool> promise;
  };
  std::unique_ptr<storage::nonce_store> store;
  std::vector<waiting> pending;
  bool commit_scheduled = false;
  bool healthy = true;
  int64_t last_cleanup = 0;  // seconds
  uint64_t batches = 0;
  uint64_t claims = 0;
  uint64_t replays = 0;
  size_t largest_batch = 0;
  static inline const char* name = "nonce_keeper";
};

/// Claims per batch at most, and claims waiting at most (more: unavailable).
constexpr size_t nonce_batch = 1024;
constexpr size_t nonce_pending_max = 100'000;

nonce_keeper_actor::behavior_type nonce_keeper(
    nonce_keeper_actor::stateful_pointer<nonce_keeper_state> self,
    std::unique_ptr<storage::nonce_store> store);

}  // namespace tessera
