#pragma once
// Route groups, one file each.
#include <httplib.h>

#include "http/context.hpp"

namespace tessera::http {

void add_agent_routes(httplib::Server& svr, const context& ctx);
void add_health_routes(httplib::Server& svr, const context& ctx);

}  // namespace tessera::http
