#pragma once
#include <caf/actor_system_config.hpp>

namespace tessera {

/// Registers every message type and the error category. The server and the
/// tests call this on their actor_system_config before creating the system.
void register_messages(caf::actor_system_config& cfg);

}  // namespace tessera
