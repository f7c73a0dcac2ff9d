#pragma once
// The audit log: stamps each security event, chains it to the one before
// (protocol/audit_chain.hpp), writes it as one JSON line to audit_log.output
// and stores it through the writer. Spawned detached: writing the line is
// blocking I/O.
#include <cstdio>
#include <memory>
#include <string>

#include "actors/interfaces.hpp"

namespace tessera {

/// Where the JSON lines go: stdout, or a file opened for appending.
struct audit_sink {
  std::string output;          // as configured: "stdout" or "file:PATH"
  std::shared_ptr<FILE> file;  // stdout is not closed
};

/// Opens audit_log.output; throws std::runtime_error naming the key when the
/// value is neither form or the file can't be opened for appending.
audit_sink open_audit_sink(const std::string& output);

struct audit_log_state {
  audit_sink sink;
  persistence_actor writer;
  std::string last_hash;  // of the newest entry, "" before the first
  uint64_t entries = 0;
  uint64_t stored = 0;
  uint64_t store_failures = 0;
  uint64_t write_failures = 0;
  static inline const char* name = "audit_log";
};

/// `last_hash` is where the chain goes on: the newest stored entry's hash
/// (storage::audit::last_hash), read before the actor starts.
audit_log_actor::behavior_type audit_log(audit_log_actor::stateful_pointer<audit_log_state> self,
                                         audit_sink sink, persistence_actor writer,
                                         std::string last_hash);

}  // namespace tessera
