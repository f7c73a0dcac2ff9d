// tessera contacts ...: an agent's contacts and contact requests. Being built.
#include "commands.hpp"

namespace tessera::cli {

void add_contacts_commands(CLI::App&, const global_options&, action&) {}

}  // namespace tessera::cli
