#pragma once
// Read-only queries. Each reader owns one session and runs detached (queries
// block); a caf::actor_pool spreads requests over them round robin.
#include <memory>
#include <vector>

#include "storage/session.hpp"

#include "actors/interfaces.hpp"
#include "config/settings.hpp"

namespace tessera {

struct reader_state {
  std::unique_ptr<storage::session> sql;
  config::database_settings db;
  uint64_t queries = 0;
  uint64_t failures = 0;
  static inline const char* name = "reader";
};

reader_actor::behavior_type reader(reader_actor::stateful_pointer<reader_state> self,
                                   config::database_settings db);

/// Spawns `db.readers` detached readers behind a caf::actor_pool (round robin).
reader_actor spawn_readers(caf::actor_system& sys, const config::database_settings& db);

}  // namespace tessera
