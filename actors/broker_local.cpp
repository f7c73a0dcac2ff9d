// The `local` broker: one process, so a target not connected to this node's
// hub is connected nowhere, and there are no other nodes to tell.
#include "actors/broker.hpp"

namespace tessera {

namespace {

struct local_broker_state {
  // Not a handle first: CAF constructs a state from the actor's `this` when
  // it can, and C++20 would take that as aggregate-initializing a first
  // handle member (which then fails to compile).
  uint64_t undelivered = 0;
  signaling_hub_actor hub;
  static inline const char* name = "broker_local";
};

broker_actor::behavior_type local_broker(broker_actor::stateful_pointer<local_broker_state> self) {
  return {
      [=](atom::subscribe, signaling_hub_actor hub) { self->state.hub = std::move(hub); },
      [=](atom::attach, const std::string&) {},
      [=](atom::detach, const std::string&) {},
      [=](atom::route, const signal_envelope& e) {
        self->state.undelivered += 1;
        if (self->state.hub)
          self->send(self->state.hub, atom::undeliver::value, e);
      },
      [=](atom::online, const std::string&) {},
      [=](atom::contacts, const std::string&, const std::string&) {},
      [=](atom::status) -> std::string {
        return R"({"kind":"local","state":"ok","undelivered":)" +
               std::to_string(self->state.undelivered) + "}";
      },
  };
}

}  // namespace

broker_actor spawn_local_broker(caf::actor_system& sys) {
  return sys.spawn(local_broker);
}

broker_actor spawn_broker(caf::actor_system& sys, const config::settings& s,
                          const std::string& node_id) {
  if (s.signaling.broker == "redis")
    return spawn_redis_broker(sys, s.signaling, s.redis, node_id);
  return spawn_local_broker(sys);
}

}  // namespace tessera
