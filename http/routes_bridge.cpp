// /.well-known/tessera-node.json: the key this node signs the bridge's
// outbound calls with, so an agent can check that a call came through it.
#include "http/respond.hpp"
#include "http/route_table.hpp"
#include "protocol/bridge/node_identity.hpp"

namespace tessera::http {

namespace {

task<> node_document(const call& c) {
  c.res.set_header("Cache-Control", "public, max-age=300");
  send_json(c.res, 200, bridge::node_document(*c.ctx.actors.identity));
  co_return;
}

}  // namespace

std::vector<route> bridge_routes() {
  return {
      {"GET", "/.well-known/tessera-node.json", access::open, node_document},
  };
}

}  // namespace tessera::http
