#include "http/access_control.hpp"

#include "actors/clock.hpp"
#include "http/ask.hpp"
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

std::optional<principal> from_api_key(const context& ctx, const std::string& key, problem& err) {
  const std::string unknown = "Authorization: unknown, revoked or expired API key";
  if (!secret_token::well_formed(key, secret_token::api_key_prefix)) {
    err = {ec::invalid_credentials, "Authorization: not an API key (expected tsk_ and 43 "
                                    "base62 characters)"};
    return std::nullopt;
  }
  auto hash = secret_token::hash(key);
  auto cred = ask<credential>(ctx.sys, ctx.actors.readers, timeout_of(ctx), atom::cred_get::value,
                              hash);
  if (!cred.ok()) {
    err = lookup_failure(cred.error(), unknown);
    return std::nullopt;
  }
  auto& c = cred.get();
  auto now = now_ms();
  // The lookup was by hash; compare it again in constant time all the same.
  if (!crypto::equal_constant_time(c.hash, hash) || c.kind != "api_key" || c.revoked_at != 0 ||
      (c.expires_at != 0 && c.expires_at <= now)) {
    err = {ec::invalid_credentials, unknown};
    return std::nullopt;
  }
  auto user = ask<user_record>(ctx.sys, ctx.actors.readers, timeout_of(ctx),
                               atom::user_get::value, c.user_id);
  if (!user.ok()) {
    err = lookup_failure(user.error(), unknown);
    return std::nullopt;
  }
  principal who;
  who.user_id = c.user_id;
  who.role = user.get().role;
  who.via = "api_key";
  who.key_id = c.id;
  who.kind = principal::user;
  if (!c.agent_id.empty()) {
    // A key scoped to an agent speaks for it only while its user owns it.
    auto agent = ask<agent_record>(ctx.sys, ctx.actors.readers, timeout_of(ctx), atom::get::value,
                                   c.agent_id);
    if (!agent.ok() || agent.get().owner_id != c.user_id) {
      err = agent.ok() || agent.error().code == ec::not_found
                ? problem{ec::invalid_credentials,
                          "Authorization: the API key's agent is gone or no longer yours"}
                : agent.error();
      return std::nullopt;
    }
    who.kind = principal::agent;
    who.agent_id = c.agent_id;
  }
  if (now - c.used_at >= last_used_resolution_ms) {
    write_op op;
    op.kind = write_op::touch_credential;
    op.key = hash;
    op.at = now;
    caf::anon_send(ctx.actors.writer, atom::write::value, std::move(op));
  }
  return who;
}

std::optional<principal> from_access_token(const context& ctx, const std::string& token,
                                           problem& err) {
  auto claims = jwt::verify(token, ctx.cfg.user_auth.jwt_secret, now_ms() / 1000, err);
  if (!claims)
    return std::nullopt;
  if (claims->sid.empty()) {
    err = {ec::invalid_credentials, "Authorization: the token belongs to no sign-in"};
    return std::nullopt;
  }
  // The sign-in and the role are read now, not taken from the token: logging
  // out, a password change, a demotion or a deleted account take effect at
  // once, not when the token runs out.
  auto user = ask<user_record>(ctx.sys, ctx.actors.readers, timeout_of(ctx),
                               atom::signed_in::value, claims->sub, claims->sid);
  if (!user.ok()) {
    err = lookup_failure(user.error(), "Authorization: this sign-in has ended (logged out, "
                                       "password changed or account deleted); sign in again");
    return std::nullopt;
  }
  principal who;
  who.kind = principal::user;
  who.user_id = user.get().id;
  who.role = user.get().role;
  who.via = "access_token";
  return who;
}

bool accepts_agents(access policy) {
  return policy == access::read || policy == access::agent || policy == access::agent_signed ||
         policy == access::agent_or_owner;
}

/// The agent id in the route's path, "" if the route has none.
std::string path_agent(const httplib::Request& req) {
  return req.matches.size() > 1 ? std::string(req.matches[1]) : std::string{};
}

problem needs_user(const principal& who) {
  if (who.kind == principal::anonymous)
    return {ec::unauthenticated,
            "sign in first: send Authorization: Bearer <access token or API key>"};
  if (who.kind != principal::user)
    return {ec::forbidden, "this route is for users; an agent's credentials don't count here"};
  return {};
}

}  // namespace

std::optional<principal> authenticate(const context& ctx, const httplib::Request& req,
                                      access policy, const std::string& remote, problem& err) {
  principal who;
  if (policy == access::open)
    return who;
  if (accepts_agents(policy) && req.has_header("Signature-Input")) {
    auto signer = signing_agent(ctx, req, remote, err);
    if (!signer)
      return std::nullopt;
    who.kind = principal::agent;
    who.agent_id = std::move(*signer);
    who.via = "signature";
    return who;
  }
  auto header = req.get_header_value("Authorization");
  if (header.empty())
    return who;
  constexpr std::string_view scheme = "bearer ";
  bool bearer = header.size() > scheme.size();
  for (size_t i = 0; bearer && i < scheme.size(); ++i)
    bearer = std::tolower(static_cast<unsigned char>(header[i])) == scheme[i];
  if (!bearer) {
    err = {ec::invalid_credentials, "Authorization: expected \"Bearer <token>\""};
    return std::nullopt;
  }
  auto token = header.substr(scheme.size());
  if (!ctx.cfg.user_auth.enabled) {
    err = {ec::invalid_credentials,
           "Authorization: user accounts are disabled on this server; agents sign their "
           "requests (RFC 9421)"};
    return std::nullopt;
  }
  if (token.rfind(secret_token::api_key_prefix, 0) == 0)
    return from_api_key(ctx, token, err);
  return from_access_token(ctx, token, err);
}

problem authorize(const context& ctx, const httplib::Request& req, access policy,
                  const principal& who) {
  switch (policy) {
    case access::open:
      return {};
    case access::read:
      if (who.kind == principal::anonymous && ctx.cfg.auth.required)
        return {ec::unauthenticated,
                "this server requires credentials (auth.required): sign the request as an "
                "agent (RFC 9421) or send Authorization: Bearer <token>"};
      return {};
    case access::agent:
    case access::agent_signed: {
      if (who.kind == principal::anonymous)
        return {ec::unauthenticated,
                policy == access::agent
                    ? "this route needs the agent's signature (RFC 9421 Signature-Input and "
                      "Signature) or an API key scoped to the agent"
                    : "this route needs the agent's signature (RFC 9421 Signature-Input and "
                      "Signature)"};
      if (who.kind != principal::agent)
        return {ec::forbidden, "only the agent itself may do this; a user's credentials don't "
                               "count here"};
      if (policy == access::agent_signed && who.via != "signature")
        return {ec::forbidden, "the agent must sign this request with its key (RFC 9421); an "
                               "API key does not prove the key"};
      auto id = path_agent(req);
      if (!id.empty() && id != who.agent_id)
        return {ec::forbidden, (who.via == "signature" ? "Signature-Input: keyid "
                                                        : "Authorization: the API key of ") +
                                   who.agent_id + " may not act for agent " + id};
      return {};
    }
    case access::user:
      return needs_user(who);
    case access::agent_or_owner:
      if (who.kind == principal::agent)
        return authorize(ctx, req, access::agent, who);
      if (who.kind == principal::anonymous)
        return {ec::unauthenticated,
                "this route needs the agent's signature (RFC 9421), an API key scoped to the "
                "agent, or its owner's credentials"};
      return authorize(ctx, req, access::owner, who);
    case access::owner: {
      if (auto p = needs_user(who); p.code != ec::none)
        return p;
      if (who.is_admin())
        return {};
      auto id = path_agent(req);
      if (!agent_id::is_valid(id))
        return {ec::not_found, "id: not an agent id (expected a did:key fingerprint, z6Mk...)"};
      auto agent = ask<agent_record>(ctx.sys, ctx.actors.readers, timeout_of(ctx),
                                     atom::get::value, id);
      if (!agent.ok())
        return agent.error();
      if (agent.get().owner_id != who.user_id)
        return {ec::forbidden, "agent " + id + " is not yours"};
      return {};
    }
    case access::admin:
      if (auto p = needs_user(who); p.code != ec::none)
        return p;
      if (!who.is_admin())
        return {ec::forbidden, "admins only"};
      return {};
  }
  return {ec::internal, "unknown access policy"};
}

}  // namespace tessera::http
