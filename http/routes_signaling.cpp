// GET /api/v1/signaling (426: use the WebSocket), /api/v1/signaling/info,
// and the admin's signaling counters. Being built.
#include "http/route_table.hpp"

namespace tessera::http {

std::vector<route> signaling_routes() {
  return {};
}

}  // namespace tessera::http
