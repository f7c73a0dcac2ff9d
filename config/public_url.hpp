#pragma once
// The URLs the server hands out, from configuration only, never from a request's Host
// header: that is client input, and a forged Host would put the attacker's host in
// answers that a cache in front may keep and serve to everyone.
#include <string>

#include "config/settings.hpp"

namespace tessera::config {

constexpr const char* signaling_path = "/api/v1/signaling";

/// Where clients reach this node: server.public_url when set (an origin,
/// scheme://host[:port]); else http://<host of server.http_addr>:<its port>,
/// "localhost" when it listens on every interface.
std::string public_origin(const settings& s);

/// The WebSocket URL told to clients (the 426 answers and /api/v1/signaling/info):
/// signaling.public_url when set; else the public origin as ws:// or wss://, with the
/// port of signaling.ws_addr when the WebSocket has a listener of its own (on the host of
/// server.public_url if set, else on that listener's host), + signaling_path.
std::string signaling_url(const settings& s);

}  // namespace tessera::config
