#include "actors/signaling_hub.hpp"

namespace tessera {

// Being built: the contract only.
signaling_hub_actor::behavior_type signaling_hub(
    signaling_hub_actor::stateful_pointer<signaling_hub_state> self,
    config::signaling_settings cfg, broker_actor broker) {
  return {
      [=](atom::attach, const std::string&, signaling_peer_actor) { return caf::ok_atom::value; },
      [=](atom::detach, const std::string&, signaling_peer_actor) {},
      [=](atom::route, signal_envelope&) {},
      [=](atom::remote, signal_envelope&) {},
      [=](atom::undeliver, signal_envelope&) {},
      [=](atom::online, const std::string&) {},
      [=](atom::contacts, const std::string&, const std::string&) {},
      [=](atom::remote, atom::contacts, const std::string&, const std::string&) {},
      [=](atom::tick) {},
      [=](atom::status) -> std::string { return R"({"state":"ok"})"; },
  };
}

}  // namespace tessera
