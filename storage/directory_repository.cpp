// Placeholder until built.
#include "storage/directory_repository.hpp"

#include <stdexcept>

namespace tessera::storage::directory {

void index_agent(soci::session&, const agent_record&) {}
void unindex_agent(soci::session&, const std::string&) {}
directory_page list(soci::session&, const directory_query&) {
  throw std::logic_error("directory::list: not built yet");
}
std::optional<agent_profile> profile(soci::session&, const std::string&) {
  throw std::logic_error("directory::profile: not built yet");
}

}  // namespace tessera::storage::directory
