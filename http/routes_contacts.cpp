// Contacts and contact requests of an agent. Being built.
#include "http/route_table.hpp"

namespace tessera::http {

std::vector<route> contact_routes() {
  return {};
}

}  // namespace tessera::http
