// /api/v1/provider: a user's own agents. Registering one here needs both the
// user's credentials and the agent's signature on a request naming that user
// (?owner=): the card alone is public once published, so it proves nothing
// about who holds the key.
#include "http/agent_io.hpp"
#include "http/ask.hpp"
#include "http/audit.hpp"
#include "http/body.hpp"
#include "http/respond.hpp"
#include "http/route_table.hpp"
#include "http/signed_request.hpp"

namespace tessera::http {

namespace {

task<> create_agent(const call& c) {
  problem err;
  if (!check_params(c.req, c.res, {"owner"}))
    co_return;
  if (!c.req.has_header("Signature-Input"))
    co_return send_error(c.res, ec::unauthenticated,
                      "Signature-Input: the agent must sign this request too (RFC 9421), to show "
                      "that you hold its key");
  auto signer = co_await signing_agent(c, err);
  if (!signer)
    co_return send_error(c.res, err);
  // The signature covers the query, so ?owner= is the agent's own word on
  // whom it belongs to: a captured request is no use to anyone else.
  if (c.req.param("owner") != c.who.user_id)
    co_return send_error(c.res, ec::forbidden,
                      "owner: the agent must sign a request that names you: POST "
                      "/api/v1/provider/agents?owner=" + c.who.user_id);
  auto card = read_card(c.req, c.res);
  if (!card)
    co_return;
  if (card->id != *signer)
    co_return send_error(c.res, ec::forbidden,
                      "public_key: the card's key is not the key that signed the request "
                      "(proof of possession)");
  auto rec = record_of(*card, c.req.body);
  rec.owner_id = c.who.user_id;
  auto stored = co_await ask<agent_record>(c, c.ctx.actors.registry, atom::register_::value, rec);
  if (!stored.ok())
    co_return send_error(c.res, stored.error());
  audit(c, "agent_registered", rec.id);
  c.res.status = 201;
  c.res.set_header("Location", "/api/v1/provider/agents/" + rec.id);
  c.res.set_content(agent_json(stored.get(), true), "application/json");
}

task<> list_own_agents(const call& c) {
  agent_query q;
  q.owner_id = c.who.user_id;
  co_await list_agents_with_owner(c, q, false);
  co_return;
}

task<> replace_own_agent(const call& c) {
  auto id = path_id(c.req, c.res);
  if (!id)
    co_return;
  // The card carries the agent's own signature (JWS), checked by read_card.
  auto card = read_card(c.req, c.res);
  if (!card)
    co_return;
  if (card->id != *id)
    co_return send_error(c.res, ec::invalid_request,
                      "public_key: a card can't change the agent's key; register a new agent");
  auto stored = co_await ask<agent_record>(c, c.ctx.actors.registry, atom::replace::value, record_of(*card, c.req.body));
  if (!stored.ok())
    co_return send_error(c.res, stored.error());
  audit(c, "agent_updated", *id);
  c.res.status = 200;
  c.res.set_content(agent_json(stored.get(), true), "application/json");
}

task<> provider_dashboard(const call& c) {
  if (!check_params(c.req, c.res, {}))
    co_return;
  auto stats = co_await ask<std::string>(c, c.ctx.actors.readers, atom::stats::value, c.who.user_id);
  if (!stats.ok())
    co_return send_error(c.res, stats.error());
  c.res.status = 200;
  c.res.set_content(stats.get(), "application/json");
}

}  // namespace

std::vector<route> provider_routes() {
  return {
      {"POST", "/api/v1/provider/agents", access::user, create_agent, true},
      {"GET", "/api/v1/provider/agents", access::user, list_own_agents, true},
      {"GET", "/api/v1/provider/agents/{id}", access::owner, show_agent, true},
      {"PUT", "/api/v1/provider/agents/{id}", access::owner, replace_own_agent, true},
      {"DELETE", "/api/v1/provider/agents/{id}", access::owner, remove_agent, true},
      {"GET", "/api/v1/provider/dashboard", access::user, provider_dashboard, true},
  };
}

}  // namespace tessera::http
