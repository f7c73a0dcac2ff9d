#pragma once
// agent id -> agent_session for every online agent, with the agent's record
// (its stored card bytes included) once it has been read, so a GET of an
// online agent needs at most one database round trip. Register, replace and deregister go through the writer;
// heartbeats stay in memory (last_seen is written coalesced, once per heartbeat
// interval); status changes are written when they happen and published to
// subscribers, lifecycle events with the agent's record. Requests to the writer carry
// no timeout: it always answers (commit or error), and giving up on a write
// that still commits would leave the database and the sessions disagreeing.
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actors/interfaces.hpp"
#include "config/settings.hpp"

namespace tessera {

struct registry_config {
  config::millis offline_after{90'000};
  config::millis flush_interval{30'000};  // how often last_seen reaches the database
  config::millis timeout{10'000};         // for requests to the readers
};

struct registry_state {
  struct session_entry {
    agent_session_actor actor;
    uint64_t generation = 0;
    agent_record record;  // as stored, status online; id empty until read
    int64_t last_beat = 0;  // the newest heartbeat the registry passed on
  };
  std::unordered_map<std::string, session_entry> sessions;
  // Heartbeats for agents without a session wait here while it starts.
  std::unordered_map<std::string, std::vector<caf::typed_response_promise<heartbeat_ack>>>
      starting;
  std::unordered_map<std::string, int64_t> last_seen;       // not yet written
  std::unordered_map<std::string, int64_t> offline_unsaved;  // offline writes to retry
  std::vector<event_listener_actor> subscribers;
  // While the start-up query for online agents is in flight, the ids that
  // changed meanwhile: its (older) answer must not bring them back.
  bool restoring = false;
  std::unordered_set<std::string> changed_while_restoring;
  uint64_t next_generation = 1;
  uint64_t heartbeats = 0;
  uint64_t served_from_memory = 0;  // gets answered without the readers
  uint64_t went_offline = 0;
  static inline const char* name = "registry";
};

registry_actor::behavior_type registry(registry_actor::stateful_pointer<registry_state> self,
                                       registry_config cfg, persistence_actor writer,
                                       reader_actor readers);

}  // namespace tessera
