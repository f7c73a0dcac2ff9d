// /api/v1/directory: the public view of agents. So far: an agent's reputation.
#include <nlohmann/json.hpp>

#include "actors/clock.hpp"
#include "http/agent_io.hpp"
#include "http/ask.hpp"
#include "http/body.hpp"
#include "http/respond.hpp"
#include "http/route_table.hpp"
#include "protocol/reputation_record.hpp"

namespace tessera::http {

namespace {

constexpr int max_history_page = 200;
constexpr int default_history_page = 50;

void get_reputation(const call& c) {
  const auto& [ctx, req, res] = std::tie(c.ctx, c.req, c.res);
  auto id = path_id(req, res);
  if (!id)
    return;
  if (!check_params(req, res, {"limit", "before"}))
    return;
  int32_t limit = 0;
  int64_t before = 0;
  if (!read_limit(req, res, max_history_page, default_history_page, limit) ||
      !read_before_seq(req, res, before))
    return;
  auto view = ask<reputation_view>(ctx.sys, ctx.actors.readers, timeout_of(ctx),
                                   atom::reputation::value, *id, before, limit);
  if (!view.ok())
    return send_error(res, view.error());
  auto params = reputation::params_from(ctx.cfg.reputation);
  const auto& v = view.get();
  auto state = v.scored ? v.state : reputation::initial_state(params);
  auto score = reputation::current_score(state, now_ms(), params);
  nlohmann::ordered_json history = nlohmann::ordered_json::array();
  for (const auto& e : v.history)
    history.push_back({{"seq", e.seq},
                       {"kind", e.kind},
                       {"at", rfc3339(e.at)},
                       {"score_before", e.score_before},
                       {"score_after", e.score_after}});
  nlohmann::ordered_json body;
  body["id"] = *id;
  body["score"] = score;
  body["tier"] = reputation::to_string(reputation::tier_of(score, params));
  body["events"] = state.events;
  body["updated_at"] =
      state.events > 0 ? nlohmann::ordered_json(rfc3339(state.updated_at)) : nlohmann::ordered_json();
  body["history"] = history;
  body["next_before"] = static_cast<int32_t>(v.history.size()) == limit
                            ? nlohmann::ordered_json(v.history.back().seq)
                            : nlohmann::ordered_json();
  send_json(res, 200, body);
}

}  // namespace

std::vector<route> directory_routes() {
  return {
      {"GET", "/api/v1/directory/{id}/reputation", access::open, get_reputation},
  };
}

}  // namespace tessera::http
