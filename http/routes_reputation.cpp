// /api/v1/reputation/model: how scores are made on this server (the event
// values and weights, alpha, decay, tiers and the Trusted rule), so a score
// can be explained and recomputed from its log by anyone.
#include "http/respond.hpp"
#include "http/route_table.hpp"
#include "protocol/reputation_model.hpp"

namespace tessera::http {

namespace {

task<> get_model(const call& c) {
  send_json(c.res, 200, reputation::model_json(reputation::params_from(c.ctx.cfg.reputation)));
  co_return;
}

}  // namespace

std::vector<route> reputation_routes() {
  return {
      {"GET", "/api/v1/reputation/model", access::open, get_model},
  };
}

}  // namespace tessera::http
