#pragma once
// One per online agent: its live state and its offline deadline. Heartbeats
// (sent by the registry, which answers them itself) push the deadline
// forward; when it passes, the session tells the registry and ends. One
// timer is pending at a time, whatever the number of beats.
#include <string>

#include "actors/interfaces.hpp"
#include "config/settings.hpp"

namespace tessera {

struct agent_session_state {
  std::string id;
  int64_t deadline = 0;   // ms since epoch
  int64_t last_beat = 0;  // ms since epoch; 0 until the first heartbeat
  uint64_t timer = 0;     // the pending tick
  uint64_t beats = 0;
  static inline const char* name = "agent_session";
};

/// `generation` identifies this session to the registry, so a late offline
/// report from an old session can't end a newer one.
agent_session_actor::behavior_type agent_session(
    agent_session_actor::stateful_pointer<agent_session_state> self, std::string id,
    int64_t first_deadline, config::millis offline_after, uint64_t generation,
    registry_actor registry);

}  // namespace tessera
