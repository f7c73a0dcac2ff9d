#pragma once
// One actor per signaling WebSocket connection (ws/ spawns it).
//
// Handshake: on spawn it writes the challenge; the first frame must be a valid
// auth frame within signaling.auth_timeout, by a registered agent (readers),
// with a good signature over this connection's nonce (protocol/signal_frame):
// else it closes with the 44xx code. Then it attaches to the hub, writes the
// config frame (ICE servers, TURN credentials minted for this connection),
// loads the agent's mutual contacts into its cache, and beats the agent's
// heartbeat (registry) every registry.heartbeat_interval while open.
//
// After auth, per frame: the frame limiter (error frame, then close on a
// sustained flood), parse and check (protocol/signal_frame), the contacts
// check against the cache (no database query per frame), relay state and the
// relay byte rate, then `route` to the hub with "from" set to this agent.
// Frames delivered to it are written as they are (after relay bookkeeping).
//
// The actor never blocks: the socket is written through frame_sink, which
// queues the text on the connection's strand.
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "actors/interfaces.hpp"
#include "config/settings.hpp"
#include "protocol/signal_limits.hpp"

namespace tessera {

/// The socket side of a connection, implemented by ws/; thread-safe. Both
/// return at once; `close` sends the close frame after what is queued.
class frame_sink {
public:
  virtual ~frame_sink() = default;
  virtual void send(std::string text) = 0;
  virtual void close(uint16_t code, std::string reason) = 0;
  /// The connection authenticated: it no longer counts as unauthenticated.
  virtual void authenticated() {}
};

struct signaling_peer_config {
  config::signaling_settings signaling;
  config::millis heartbeat_interval{30'000};  // registry.heartbeat_interval
  config::millis timeout{10'000};             // for requests to the readers and the registry
};

struct signaling_peer_state {
  enum phase_t { awaiting_auth, ready, closing };
  phase_t phase = awaiting_auth;
  std::string nonce;
  std::string agent_id;  // once authenticated
  std::unordered_set<std::string> mutual;  // the contacts cache
  struct relay_channel {
    std::string peer;
    bool open = false;     // both sides opened it
    bool outgoing = false; // this agent asked first
  };
  std::unordered_map<std::string, relay_channel> relays;  // by relay_id
  std::unique_ptr<signal::frame_limiter> frames;
  std::unique_ptr<signal::byte_limiter> relay_bytes;
  uint64_t frames_in = 0, frames_out = 0, refused = 0;
  static inline const char* name = "signaling_peer";
};

signaling_peer_actor::behavior_type signaling_peer(
    signaling_peer_actor::stateful_pointer<signaling_peer_state> self,
    std::shared_ptr<frame_sink> sink, signaling_peer_config cfg, signaling_hub_actor hub,
    reader_actor readers, registry_actor registry);

}  // namespace tessera
