// The `redis` broker; see actors/broker.hpp. (Being built: for now it behaves as local.)
#include "actors/broker.hpp"

namespace tessera {

broker_actor spawn_redis_broker(caf::actor_system& sys, const config::signaling_settings&,
                                const config::redis_settings&, const std::string&) {
  return spawn_local_broker(sys);
}

}  // namespace tessera
