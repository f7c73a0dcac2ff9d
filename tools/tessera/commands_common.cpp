#include <stdexcept>

#include "commands.hpp"

namespace tessera::cli {

signed_client client_for(const global_options& global) {
  std::string err;
  auto url = parse_server_url(global.server, err);
  if (!url) throw std::logic_error("--server escaped validation: " + err);
  return signed_client(*url);
}

std::string agent_path(const std::string& id) {
  return "/api/v1/agents/" + percent_encode(id);
}

}  // namespace tessera::cli
