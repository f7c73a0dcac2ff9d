// /api/v1/agents: register, replace, deregister, read, list, heartbeat.
#include <nlohmann/json.hpp>

#include "actors/clock.hpp"
#include "http/agent_io.hpp"
#include "http/ask.hpp"
#include "http/audit.hpp"
#include "http/respond.hpp"
#include "http/route_table.hpp"

namespace tessera::http {

namespace {

void register_agent(const call& c) {
  const auto& [ctx, req, res] = std::tie(c.ctx, c.req, c.res);
  auto card = read_card(req, res);
  if (!card)
    return;
  if (card->id != c.who.agent_id)
    return send_error(res, ec::forbidden,
                      "public_key: the card's key is not the key that signed the request "
                      "(proof of possession)");
  auto stored = ask<agent_record>(ctx.sys, ctx.actors.registry, timeout_of(ctx),
                                  atom::register_::value, record_of(*card, req.body));
  if (!stored.ok())
    return send_error(res, stored.error());
  audit(c, "agent_registered", stored.get().id);
  res.status = 201;
  res.set_header("Location", "/api/v1/agents/" + stored.get().id);
  res.set_content(agent_json(stored.get()), "application/json");
}

void replace_agent(const call& c) {
  const auto& [ctx, req, res] = std::tie(c.ctx, c.req, c.res);
  auto id = path_id(req, res);
  if (!id)
    return;
  auto card = read_card(req, res);
  if (!card)
    return;
  if (card->id != *id)
    return send_error(res, ec::invalid_request,
                      "public_key: a card can't change the agent's key; register a new agent");
  auto stored = ask<agent_record>(ctx.sys, ctx.actors.registry, timeout_of(ctx),
                                  atom::replace::value, record_of(*card, req.body));
  if (!stored.ok())
    return send_error(res, stored.error());
  audit(c, "agent_updated", *id);
  res.status = 200;
  res.set_content(agent_json(stored.get()), "application/json");
}

void delete_agent(const call& c) {
  const auto& [ctx, req, res] = std::tie(c.ctx, c.req, c.res);
  auto id = path_id(req, res);
  if (!id)
    return;
  auto done = ask<caf::ok_atom>(ctx.sys, ctx.actors.registry, timeout_of(ctx),
                                atom::remove::value, *id);
  if (!done.ok())
    return send_error(res, done.error());
  audit(c, "agent_deleted", *id);
  res.status = 204;
}

void get_agent(const call& c) {
  const auto& [ctx, req, res] = std::tie(c.ctx, c.req, c.res);
  auto id = path_id(req, res);
  if (!id)
    return;
  auto found = ask<agent_record>(ctx.sys, ctx.actors.readers, timeout_of(ctx), atom::get::value,
                                 *id);
  if (!found.ok())
    return send_error(res, found.error());
  res.status = 200;
  res.set_content(agent_json(found.get()), "application/json");
}

void list_agents(const call& c) {
  const auto& [ctx, req, res] = std::tie(c.ctx, c.req, c.res);
  agent_query q;
  if (!read_agent_query(req, res, q, false))
    return;
  auto page = ask<agent_page>(ctx.sys, ctx.actors.readers, timeout_of(ctx), atom::list::value, q);
  if (!page.ok())
    return send_error(res, page.error());
  res.status = 200;
  res.set_content(agent_page_json(page.get(), false), "application/json");
}

void heartbeat(const call& c) {
  const auto& [ctx, req, res] = std::tie(c.ctx, c.req, c.res);
  auto id = path_id(req, res);
  if (!id)
    return;
  auto ack = ask<heartbeat_ack>(ctx.sys, ctx.actors.registry, timeout_of(ctx),
                                atom::heartbeat::value, *id);
  if (!ack.ok())
    return send_error(res, ack.error());
  nlohmann::ordered_json body;
  body["id"] = *id;
  body["status"] = ack.get().status;
  body["next_deadline"] = rfc3339(ack.get().next_deadline);
  send_json(res, 200, body);
}

}  // namespace

std::vector<route> agent_routes() {
  return {
      {"POST", "/api/v1/agents", access::agent, register_agent},
      {"GET", "/api/v1/agents", access::read, list_agents},
      {"GET", "/api/v1/agents/{id}", access::read, get_agent},
      {"PUT", "/api/v1/agents/{id}", access::agent, replace_agent},
      {"DELETE", "/api/v1/agents/{id}", access::agent, delete_agent},
      {"POST", "/api/v1/agents/{id}/heartbeat", access::agent, heartbeat},
  };
}

}  // namespace tessera::http
