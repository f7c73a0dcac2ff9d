// tessera connect --agent KEYFILE: holds a signaling connection. Being built.
#include "commands.hpp"

namespace tessera::cli {

void add_connect_command(CLI::App&, const global_options&, action&) {}

}  // namespace tessera::cli
