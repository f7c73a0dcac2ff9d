#include "http/access_control.hpp"

#include "actors/clock.hpp"
#include "http/ask.hpp"
#include "http/write.hpp"
#include "http/signed_request.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/crypto.hpp"
#include "protocol/jwt.hpp"
#include "protocol/secret_token.hpp"

namespace tessera::http {

namespace {

// An API key's last use is written at most this often, so using a key is not
// a database write per request.
constexpr int64_t last_used_resolution_ms = 60'000;

/// A lookup that found nothing is bad credentials; any other failure (the
/// database is down) is reported as it is.
problem lookup_failure(const problem& p, const std::string& message) {
  if (p.code == ec::not_found)
    return {ec::invalid_credentials, message};
  return p;
}

task<std::optional<principal>> from_api_key(const call& c, const std::string& key, problem& err) {
  const auto& ctx = c.ctx;
  const std::string unknown = "Authorization: unknown, revoked or expired API key";
  if (!secret_token::well_formed(key, secret_token::api_key_prefix)) {
    err = {ec::invalid_credentials, "Authorization: not an API key (expected tsk_ and 43 "
                                    "base62 characters)"};
    co_return std::nullopt;
  }
  auto hash = secret_token::hash(key);
  auto cred = co_await ask<credential>(c, ctx.actors.readers, atom::cred_get::value, hash);
  if (!cred.ok()) {
    err = lookup_failure(cred.error(), unknown);
    co_return std::nullopt;
  }
  const auto& cr = cred.get();
  auto now = now_ms();
  // The lookup was by hash; compare it again in constant time all the same.
  if (!crypto::equal_constant_time(cr.hash, hash) || cr.kind != "api_key" || cr.revoked_at != 0 ||
      (cr.expires_at != 0 && cr.expires_at <= now)) {
    err = {ec::invalid_credentials, unknown};
    co_return std::nullopt;
  }
  auto user = co_await ask<user_record>(c, ctx.actors.readers, atom::user_get::value, cr.user_id);
  if (!user.ok()) {
    err = lookup_failure(user.error(), unknown);
    co_return std::nullopt;
  }
  principal who;
  who.user_id = cr.user_id;
  who.role = user.get().role;
  who.via = "api_key";
  who.key_id = cr.id;
  who.kind = principal::user;
  if (!cr.agent_id.empty()) {
    // A key scoped to an agent speaks for it only while its user owns it.
    auto agent = co_await ask<agent_record>(c, ctx.actors.readers, atom::get::value,
                                   cr.agent_id);
    if (!agent.ok() || agent.get().owner_id != cr.user_id) {
      err = agent.ok() || agent.error().code == ec::not_found
                ? problem{ec::invalid_credentials,
                          "Authorization: the API key's agent is gone or no longer yours"}
                : agent.error();
      co_return std::nullopt;
    }
    who.kind = principal::agent;
    who.agent_id = cr.agent_id;
  }
  if (now - cr.used_at >= last_used_resolution_ms) {
    write_op op;
    op.kind = write_op::touch_credential;
    op.key = hash;
    op.at = now;
    caf::anon_send(ctx.actors.writer, atom::write::value, std::move(op));
  }
  co_return who;
}

task<std::optional<principal>> from_access_token(const call& c, const std::string& token,
                                                 problem& err) {
  const auto& ctx = c.ctx;
  auto claims = jwt::verify(token, ctx.cfg.user_auth.jwt_secret, now_ms() / 1000, err);
  if (!claims)
    co_return std::nullopt;
  if (claims->sid.empty()) {
    err = {ec::invalid_credentials, "Authorization: the token belongs to no sign-in"};
    co_return std::nullopt;
  }
  // The sign-in and the role are read now, not taken from the token: logging
  // out, a password change, a demotion or a deleted account take effect at
  // once, not when the token runs out.
  auto user = co_await ask<user_record>(c, ctx.actors.readers, atom::signed_in::value, claims->sub, claims->sid);
  if (!user.ok()) {
    err = lookup_failure(user.error(), "Authorization: this sign-in has ended (logged out, "
                                       "password changed or account deleted); sign in again");
    co_return std::nullopt;
  }
  principal who;
  who.kind = principal::user;
  who.user_id = user.get().id;
  who.role = user.get().role;
  who.via = "access_token";
  co_return who;
}

bool accepts_agents(access policy) {
  return policy == access::read || policy == access::agent || policy == access::agent_signed ||
         policy == access::agent_or_owner || policy == access::caller;
}

/// The agent id in the route's path, "" if the route has none.
std::string path_agent(const request& req) {
  return req.path_param(0);
}

problem needs_user(const principal& who) {
  if (who.kind == principal::anonymous)
    return {ec::unauthenticated,
            "sign in first: send Authorization: Bearer <access token or API key>"};
  if (who.kind != principal::user)
    return {ec::forbidden, "this route is for users; an agent's credentials don't count here"};
  return {};
}

// bridge.policy, for a call to the agent in the path.
task<problem> authorize_caller(const call& c) {
  const auto& ctx = c.ctx;
  const auto& who = c.who;
  const auto& policy = ctx.cfg.bridge.policy;
  if (policy == "open" && !ctx.cfg.auth.required)  // auth.required closes it like users
    co_return {};
  if (who.kind == principal::anonymous)
    co_return {ec::unauthenticated,
               "calling agents needs credentials here (bridge.policy " + policy +
                   "): sign the request as an agent (RFC 9421) or send Authorization: Bearer "
                   "<token>"};
  if (policy != "contacts" || who.is_admin())  // users, or open under auth.required
    co_return {};
  // contacts: the agent itself, its owner, or one of its mutual contacts.
  auto id = path_agent(c.req);
  if (who.kind == principal::agent) {
    if (who.agent_id == id)
      co_return {};
    auto contacts = co_await ask<std::vector<contact>>(c, ctx.actors.readers,
                                                        atom::contacts::value, id);
    if (!contacts.ok())
      co_return contacts.error();
    for (const auto& k : contacts.get())
      if (k.contact_id == who.agent_id && k.mutual)
        co_return {};
    co_return {ec::forbidden, "only mutual contacts of agent " + id +
                                  " may call it here (bridge.policy contacts)"};
  }
  auto agent = co_await ask<agent_record>(c, ctx.actors.readers, atom::get::value, id);
  if (!agent.ok())
    co_return agent.error();
  if (agent.get().owner_id != who.user_id)
    co_return {ec::forbidden, "only the owner and the mutual contacts of agent " + id +
                                  " may call it here (bridge.policy contacts)"};
  co_return {};
}

}  // namespace

task<std::optional<principal>> authenticate(const call& c, access policy, problem& err) {
  const auto& ctx = c.ctx;
  const auto& req = c.req;
  principal who;
  if (policy == access::open)
    co_return who;
  if (accepts_agents(policy) && req.has_header("Signature-Input")) {
    auto signer = co_await signing_agent(c, err);
    if (!signer)
      co_return std::nullopt;
    who.kind = principal::agent;
    who.agent_id = std::move(*signer);
    who.via = "signature";
    co_return who;
  }
  auto header = req.header("Authorization");
  if (header.empty())
    co_return who;
  constexpr std::string_view scheme = "bearer ";
  bool bearer = header.size() > scheme.size();
  for (size_t i = 0; bearer && i < scheme.size(); ++i)
    bearer = std::tolower(static_cast<unsigned char>(header[i])) == scheme[i];
  if (!bearer) {
    err = {ec::invalid_credentials, "Authorization: expected \"Bearer <token>\""};
    co_return std::nullopt;
  }
  auto token = header.substr(scheme.size());
  if (!ctx.cfg.user_auth.enabled) {
    err = {ec::invalid_credentials,
           "Authorization: user accounts are disabled on this server; agents sign their "
           "requests (RFC 9421)"};
    co_return std::nullopt;
  }
  if (token.rfind(secret_token::api_key_prefix, 0) == 0)
    co_return co_await from_api_key(c, token, err);
  co_return co_await from_access_token(c, token, err);
}

task<problem> authorize(const call& c, access policy) {
  const auto& ctx = c.ctx;
  const auto& req = c.req;
  const auto& who = c.who;
  switch (policy) {
    case access::open:
      co_return {};
    case access::read:
      if (who.kind == principal::anonymous && ctx.cfg.auth.required)
        co_return {ec::unauthenticated,
                "this server requires credentials (auth.required): sign the request as an "
                "agent (RFC 9421) or send Authorization: Bearer <token>"};
      co_return {};
    case access::agent:
    case access::agent_signed: {
      if (who.kind == principal::anonymous)
        co_return {ec::unauthenticated,
                policy == access::agent
                    ? "this route needs the agent's signature (RFC 9421 Signature-Input and "
                      "Signature) or an API key scoped to the agent"
                    : "this route needs the agent's signature (RFC 9421 Signature-Input and "
                      "Signature)"};
      if (who.kind != principal::agent)
        co_return {ec::forbidden, "only the agent itself may do this; a user's credentials don't "
                               "count here"};
      if (policy == access::agent_signed && who.via != "signature")
        co_return {ec::forbidden, "the agent must sign this request with its key (RFC 9421); an "
                               "API key does not prove the key"};
      auto id = path_agent(req);
      if (!id.empty() && id != who.agent_id)
        co_return {ec::forbidden, (who.via == "signature" ? "Signature-Input: keyid "
                                                        : "Authorization: the API key of ") +
                                   who.agent_id + " may not act for agent " + id};
      co_return {};
    }
    case access::user:
      co_return needs_user(who);
    case access::agent_or_owner:
      if (who.kind == principal::agent)
        co_return co_await authorize(c, access::agent);
      if (who.kind == principal::anonymous)
        co_return {ec::unauthenticated,
                "this route needs the agent's signature (RFC 9421), an API key scoped to the "
                "agent, or its owner's credentials"};
      co_return co_await authorize(c, access::owner);
    case access::owner: {
      if (auto p = needs_user(who); p.code != ec::none)
        co_return p;
      if (who.is_admin())
        co_return {};
      auto id = path_agent(req);
      if (!agent_id::is_valid(id))
        co_return {ec::not_found, "id: not an agent id (expected a did:key fingerprint, z6Mk...)"};
      auto agent = co_await ask<agent_record>(c, ctx.actors.readers, atom::get::value, id);
      if (!agent.ok())
        co_return agent.error();
      if (agent.get().owner_id != who.user_id)
        co_return {ec::forbidden, "agent " + id + " is not yours"};
      co_return {};
    }
    case access::admin:
      if (auto p = needs_user(who); p.code != ec::none)
        co_return p;
      if (!who.is_admin())
        co_return {ec::forbidden, "admins only"};
      co_return {};
    case access::caller:
      co_return co_await authorize_caller(c);
  }
  co_return {ec::internal, "unknown access policy"};
}

}  // namespace tessera::http
