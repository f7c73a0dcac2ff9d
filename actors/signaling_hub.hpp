#pragma once
// The node's signaling switchboard: agent id -> the local signaling_peer.
// Routes each envelope to a local peer, or hands it to the broker for the
// node that holds the target; a target connected nowhere gets queueable
// frames queued (protocol/offline_queue) if it is a registered agent
// ("not_found" otherwise) and anything else an error frame back to the
// sender ("not_connected"). Queue overflow and expiry are told to
// the sender as error frames ("queue_full", "expired"). relay_data is charged
// to its sender's daily quota here ("relay_quota" when over).
//
// Counters for /api/v1/health and GET /api/v1/admin/signaling come from
// `status`: connections, frames routed (local, remote), undelivered, queued,
// expired, relay bytes, and the broker's state.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/interfaces.hpp"
#include "config/settings.hpp"
#include "protocol/offline_queue.hpp"
#include "protocol/signal_limits.hpp"

namespace tessera {

struct signaling_hub_state {
  std::unordered_map<std::string, signaling_peer_actor> peers;  // by agent id
  std::unique_ptr<signal::offline_queue> queue;
  std::unique_ptr<signal::daily_quota> relay_quota;
  // Queueable frames for offline targets whose registration is being looked up.
  std::unordered_map<std::string, std::vector<signal_envelope>> looking_up;
  size_t looking_up_frames = 0;
  uint64_t routed_local = 0, routed_remote = 0, received_remote = 0, undelivered = 0;
  uint64_t queued = 0, expired = 0, queue_full = 0, relay_bytes = 0, relay_refused = 0;
  uint64_t replaced = 0;
  static inline const char* name = "signaling_hub";
};

signaling_hub_actor::behavior_type signaling_hub(
    signaling_hub_actor::stateful_pointer<signaling_hub_state> self,
    config::signaling_settings cfg, broker_actor broker, reader_actor readers);

}  // namespace tessera
