#pragma once
// The single writer: applies writes in transactions shared by every write that
// arrived while the previous transaction ran (group commit). Spawned detached:
// it blocks on the database.
#include <memory>
#include <vector>

#include "storage/session.hpp"

#include "actors/interfaces.hpp"
#include "config/settings.hpp"

namespace tessera {

struct pending_write {
  std::vector<write_op> ops;  // applied atomically
  caf::typed_response_promise<caf::ok_atom> promise;
};

struct persistence_state {
  std::unique_ptr<storage::session> sql;
  config::database_settings db;
  std::vector<pending_write> pending;
  bool commit_scheduled = false;
  bool healthy = true;
  // Counters for status: batches committed, writes committed, largest batch.
  uint64_t batches = 0;
  uint64_t writes = 0;
  size_t largest_batch = 0;
  static inline const char* name = "persistence";
};

/// `sql` is an open writer session on a migrated schema.
persistence_actor::behavior_type persistence(persistence_actor::stateful_pointer<persistence_state> self,
                                             std::unique_ptr<storage::session> sql,
                                             config::database_settings db);

/// Upper bound on writes per transaction, so one transaction stays short.
constexpr size_t max_batch = 1024;

}  // namespace tessera
