// Binding an agent to a user by proof: the user asks for a claim token
// (POST /api/v1/claim-tokens), and the agent presents it in a request signed
// with its own key (POST /api/v1/agents/{id}/claim). Only the key's holder can
// do the second step, so nobody can take over an agent whose key they lack.
#include "actors/clock.hpp"
#include "http/agent_io.hpp"
#include "http/ask.hpp"
#include "http/audit.hpp"
#include "http/body.hpp"
#include "http/respond.hpp"
#include "http/route_table.hpp"
#include "http/write.hpp"
#include "protocol/secret_token.hpp"

namespace tessera::http {

namespace {

// Enough to claim a fleet at once; bounds what one user can make us store.
constexpr size_t max_live_claim_tokens = 20;

task<> create_claim_token(const call& c) {
  auto doc = read_object(c.req, c.res, {});
  if (!doc)
    co_return;
  auto tokens = co_await ask<std::vector<credential>>(c, c.ctx.actors.readers, atom::cred_list::value, c.who.user_id,
                                             std::string{"claim"});
  if (!tokens.ok())
    co_return send_error(c.res, tokens.error());
  auto now = now_ms();
  auto live = std::count_if(tokens.get().begin(), tokens.get().end(), [&](const credential& t) {
    return t.used_at == 0 && t.revoked_at == 0 && t.expires_at > now;
  });
  if (static_cast<size_t>(live) >= max_live_claim_tokens)
    co_return send_error(c.res, ec::conflict,
                      "at most " + std::to_string(max_live_claim_tokens) +
                          " unused claim tokens at a time; use one or let them expire");
  credential t;
  t.kind = "claim";
  t.user_id = c.who.user_id;
  auto secret = secret_token::issue(t, secret_token::claim_prefix, "clm_", now);
  t.expires_at = t.created_at + c.ctx.cfg.user_auth.claim_token_ttl.count();
  write_op op;
  op.kind = write_op::insert_credential;
  op.cred = t;
  auto done = co_await write(c, op);
  if (!done.ok())
    co_return send_error(c.res, done.error());
  audit(c, "claim_token_created", t.id);
  nlohmann::ordered_json body;
  body["token"] = secret;
  body["expires_at"] = rfc3339(t.expires_at);
  send_json(c.res, 201, body);
}

task<> claim_agent(const call& c) {
  auto id = path_id(c.req, c.res);
  if (!id)
    co_return;
  auto doc = read_object(c.req, c.res, {"token"});
  std::string token;
  if (!doc || !read_string(*doc, "token", 128, true, token, c.res))
    co_return;
  const std::string unusable = "token: unknown, expired or already used; ask for a new one";
  if (!secret_token::well_formed(token, secret_token::claim_prefix))
    co_return send_error(c.res, ec::invalid_request, unusable);
  auto hash = secret_token::hash(token);
  auto found = co_await ask<credential>(c, c.ctx.actors.readers, atom::cred_get::value, hash);
  if (!found.ok())
    co_return send_error(c.res, found.error().code == ec::not_found
                                 ? problem{ec::invalid_request, unusable}
                                 : found.error());
  if (found.get().kind != "claim")
    co_return send_error(c.res, ec::invalid_request, unusable);
  write_op op;
  op.kind = write_op::use_claim;
  op.key = hash;
  op.agent.id = *id;
  op.at = now_ms();
  auto done = co_await write(c, op);
  if (!done.ok())
    co_return send_error(c.res, done.error().code == ec::conflict
                                 ? problem{ec::invalid_request, unusable}
                                 : done.error());
  audit(c, "agent_claimed", found.get().user_id);
  auto stored = co_await ask<agent_record>(c, c.ctx.actors.readers, atom::get::value, *id);
  if (!stored.ok())
    co_return send_error(c.res, stored.error());
  c.res.status = 200;
  c.res.set_content(agent_json(stored.get(), true), "application/json");
}

}  // namespace

std::vector<route> claim_routes() {
  return {
      {"POST", "/api/v1/claim-tokens", access::user, create_claim_token, true},
      {"POST", "/api/v1/agents/{id}/claim", access::agent_signed, claim_agent, true},
  };
}

}  // namespace tessera::http
