#include "actors/signaling_peer.hpp"

namespace tessera {

// Being built: the contract only.
signaling_peer_actor::behavior_type signaling_peer(
    signaling_peer_actor::stateful_pointer<signaling_peer_state> self,
    std::shared_ptr<frame_sink> sink, signaling_peer_config cfg, signaling_hub_actor hub,
    reader_actor readers, registry_actor registry) {
  return {
      [=](atom::frame, const std::string&) {},
      [=](atom::deliver, const signal_envelope&) {},
      [=](atom::replaced) {},
      [=](atom::contacts) {},
      [=](atom::closed) { self->quit(); },
  };
}

}  // namespace tessera
