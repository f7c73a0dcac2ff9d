#pragma once
// The broker behind signaling_hub: `local` (one process: every target not on
// this node is connected nowhere) or `redis` (several nodes).
//
// Redis layout (all keys prefixed "tessera:"):
//   presence:<agent id> = <node id>, with a TTL of signaling.presence_ttl,
//     set on attach and refreshed for every local agent at a third of the TTL,
//     deleted on detach only if it still names this node;
//   channel node:<node id>   envelopes for agents connected on that node;
//   channel broadcast        online announcements and contact changes.
// A route is one EVAL: read the presence key and PUBLISH to that node's
// channel, or answer nil (-> undeliver). Redis commands block, so they run in
// a detached actor; the subscription is read by its own thread. When Redis
// goes away, the state turns "degraded", routes to other nodes are
// undelivered (queued or refused as usual), local delivery goes on, and it
// reconnects with exponential backoff; back, it re-announces every local
// agent (presence and online), so queued frames elsewhere flow again.
#include <string>

#include "actors/interfaces.hpp"
#include "config/settings.hpp"

namespace tessera {

/// Spawns the broker chosen by signaling.broker for node `node_id`.
broker_actor spawn_broker(caf::actor_system& sys, const config::settings& s,
                          const std::string& node_id);

broker_actor spawn_local_broker(caf::actor_system& sys);
broker_actor spawn_redis_broker(caf::actor_system& sys, const config::signaling_settings& sig,
                                const config::redis_settings& redis, const std::string& node_id);

}  // namespace tessera
