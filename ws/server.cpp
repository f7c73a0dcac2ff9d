#include "ws/server.hpp"

namespace tessera::ws {

// Being built: the contract only.
struct server::impl {};

server::server(caf::actor_system&, const config::settings&, node_actors) : impl_(new impl) {}
server::~server() = default;
int server::bind(std::string&) { return 0; }
void server::start() {}
void server::stop() {}
size_t server::connections() const { return 0; }

}  // namespace tessera::ws
