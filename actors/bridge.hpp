#pragma once
// The bridge's per-node state: the MCP sessions clients hold through the
// gateway (protocol/bridge/mcp_sessions.hpp), each mapped to the agent and the
// backend's own session. Session ids are fresh random secrets; sessions live
// in this node only (a client keeps talking to the node it initialized with).
#include <memory>

#include "actors/interfaces.hpp"
#include "config/settings.hpp"

namespace tessera {

struct bridge_state {
  std::unique_ptr<bridge::mcp_sessions> sessions;
  uint64_t opened = 0, refused = 0, closed = 0;
  static inline const char* name = "bridge";
};

bridge_actor::behavior_type bridge_hub(bridge_actor::stateful_pointer<bridge_state> self,
                                       config::bridge_settings cfg);

}  // namespace tessera
