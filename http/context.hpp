#pragma once
// What every route handler may use: the actor system, the settings, the
// node's actors and the request limits. Handlers reach actors only through
// actors/interfaces.hpp.
#include <caf/all.hpp>

#include "actors/node.hpp"
#include "config/settings.hpp"

namespace tessera::http {

class limits;

struct context {
  caf::actor_system& sys;
  const config::settings& cfg;
  node_actors actors;
  limits* limiter = nullptr;  // owned by the server
};

/// How long a handler waits for an actor: server.request_timeout.
inline caf::duration timeout_of(const context& ctx) {
  return caf::duration{ctx.cfg.server.request_timeout};
}

}  // namespace tessera::http
