// Placeholder until built: no routes yet.
#include "http/route_table.hpp"

namespace tessera::http {

std::vector<route> report_routes() {
  return {};
}

}  // namespace tessera::http
