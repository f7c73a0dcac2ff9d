#pragma once
// What every route handler may use: the actor system, the settings and the
// node's actors. Handlers reach actors only through actors/interfaces.hpp.
#include <caf/all.hpp>

#include "actors/node.hpp"
#include "config/settings.hpp"

namespace tessera::http {

struct context {
  caf::actor_system& sys;
  const config::settings& cfg;
  node_actors actors;
};

}  // namespace tessera::http
