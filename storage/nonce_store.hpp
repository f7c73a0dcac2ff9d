#pragma once
// Where the replay window is shared by every node: signature nonces claimed
// in one round trip per batch, each claim fresh (true) only if no node
// claimed the same (key, nonce) pair while it is still inside the window.
//
// - database: the replay_nonces table (a 16-byte pair hash, hex, as the
//   primary key, and when it leaves the window). One transaction per batch;
//   a claim is an upsert that only overwrites an expired row, so a replay
//   changes no row and costs the batch nothing. The batch commits without
//   waiting for its flush to disk (PostgreSQL: synchronous_commit off;
//   SQLite: synchronous NORMAL in WAL mode): another node sees the rows at
//   once; only a crash of the database server or the machine could lose the
//   last fraction of a second of them.
// - redis: SET tessera:nonce:<hash> NX PX <ms left in the window>, pipelined.
//
// Blocking: used only from a detached actor.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/settings.hpp"

namespace tessera::storage {

struct nonce_claim {
  std::string pair;        // hex of the 16-byte (key, nonce) hash
  int64_t expires_at = 0;  // seconds: the last second the signature verifies
};

class nonce_store {
public:
  virtual ~nonce_store() = default;
  /// One verdict per claim, in order: true when it is the first. nullopt with
  /// `why` set when the store can't be reached (the claims are unknown).
  virtual std::optional<std::vector<bool>> claim(const std::vector<nonce_claim>& claims,
                                                 int64_t now, std::string& why) = 0;
  /// Drops what left the window (the database keeps rows until then; Redis
  /// expires its keys itself).
  virtual void drop_expired(int64_t now) = 0;
};

std::unique_ptr<nonce_store> database_nonce_store(const config::database_settings& db);
std::unique_ptr<nonce_store> redis_nonce_store(const config::redis_settings& redis);

}  // namespace tessera::storage
