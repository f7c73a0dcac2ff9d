// Endpoint verification: the agent (or its owner) asks the verifier to
// challenge the card's url; an admin can also say so, or take it back,
// without a challenge.
#include <algorithm>

#include "actors/clock.hpp"
#include "http/agent_io.hpp"
#include "http/ask.hpp"
#include "http/audit.hpp"
#include "http/body.hpp"
#include "http/respond.hpp"
#include "http/route_table.hpp"
#include "http/write.hpp"

namespace tessera::http {

namespace {

nlohmann::ordered_json verified_json(const std::string& id, bool verified, int64_t verified_at,
                                     const std::string& url) {
  nlohmann::ordered_json body;
  body["id"] = id;
  body["verified"] = verified;
  body["verified_at"] =
      verified ? nlohmann::ordered_json(rfc3339(verified_at)) : nlohmann::ordered_json();
  body["url"] = url;
  return body;
}

task<> verify(const call& c) {
  if (!check_params(c.req, c.res, {}))
    co_return;
  auto id = path_id(c.req, c.res);
  if (!id)
    co_return;
  // The verifier answers after the verification waited for a worker
  // (verifier.timeout at most) and the endpoint answered (as long again),
  // then stores the outcome.
  auto wait = 2 * c.ctx.cfg.verifier.timeout + c.ctx.cfg.server.request_timeout;
  auto outcome = co_await ask<verify_result>(c.io, c.ctx.actors.verifier, wait, atom::verify::value,
                                             *id, c.who.id(), c.remote);
  if (!outcome.ok()) {
    send_error(c.res, outcome.error());
    if (outcome.error().code == ec::rate_limited) {
      // The verifier's message says exactly how long; this is the bound.
      auto seconds = (c.ctx.cfg.verifier.min_interval.count() + 999) / 1000;
      c.res.set_header("Retry-After", std::to_string(std::max<int64_t>(seconds, 1)));
    }
    co_return;
  }
  const auto& r = outcome.get();
  // The registry keeps online agents in memory, and watchers see the change.
  co_await ask<caf::ok_atom>(c, c.ctx.actors.registry, atom::refresh::value, *id);
  if (!r.passed)
    co_return send_error(c.res, ec::verification_failed,
                      "the endpoint at " + r.url + " failed verification: " + r.reason);
  send_json(c.res, 200, verified_json(r.agent_id, true, r.verified_at, r.url));
}

/// An admin's say-so: no challenge, no reputation event, audited.
task<> set_verified_by_admin(const call& c, bool verified) {
  if (!check_params(c.req, c.res, {}))
    co_return;
  auto id = path_id(c.req, c.res);
  if (!id)
    co_return;
  auto found = co_await ask<agent_record>(c, c.ctx.actors.readers, atom::get::value, *id);
  if (!found.ok())
    co_return send_error(c.res, found.error());
  write_op op;
  op.kind = write_op::set_verified;
  op.agent.id = *id;
  op.agent.verified = verified;
  op.agent.verified_at = verified ? now_ms() : 0;
  op.key = "";  // whatever the card's url is now
  auto done = co_await write(c, op);
  if (!done.ok())
    co_return send_error(c.res, done.error());
  co_await ask<caf::ok_atom>(c, c.ctx.actors.registry, atom::refresh::value, *id);
  audit(c, verified ? "agent_verify_override" : "agent_verify_revoked", *id,
        {{"url", found.get().url}});
  send_json(c.res, 200, verified_json(*id, verified, op.agent.verified_at, found.get().url));
}

task<> verify_by_admin(const call& c) {
  co_await set_verified_by_admin(c, true);
}

task<> unverify_by_admin(const call& c) {
  co_await set_verified_by_admin(c, false);
}

}  // namespace

std::vector<route> verify_routes() {
  return {
      {"POST", "/api/v1/agents/{id}/verify", access::agent_or_owner, verify},
      {"POST", "/api/v1/admin/agents/{id}/verify", access::admin, verify_by_admin, true},
      {"DELETE", "/api/v1/admin/agents/{id}/verify", access::admin, unverify_by_admin, true},
  };
}

}  // namespace tessera::http
