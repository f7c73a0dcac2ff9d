// /api/v1/auth/api-keys: a user's API keys. The key itself is shown once, at
// creation; the server keeps only its hash and a short prefix.
#include "actors/clock.hpp"
#include "http/ask.hpp"
#include "http/audit.hpp"
#include "http/body.hpp"
#include "http/respond.hpp"
#include "http/route_table.hpp"
#include "http/write.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/secret_token.hpp"

namespace tessera::http {

namespace {

constexpr size_t max_key_name = 64;
constexpr size_t max_keys_per_user = 100;

nlohmann::ordered_json key_json(const credential& k) {
  nlohmann::ordered_json j;
  j["id"] = k.id;
  j["prefix"] = k.prefix;
  j["name"] = k.name;
  j["agent_id"] = k.agent_id.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(k.agent_id);
  j["created_at"] = rfc3339(k.created_at);
  j["expires_at"] = k.expires_at ? nlohmann::ordered_json(rfc3339(k.expires_at)) : nlohmann::ordered_json();
  j["last_used_at"] = k.used_at ? nlohmann::ordered_json(rfc3339(k.used_at)) : nlohmann::ordered_json();
  return j;
}

task<reply<std::vector<credential>>> keys_of(const call& c) {
  co_return co_await ask<std::vector<credential>>(c, c.ctx.actors.readers, atom::cred_list::value, c.who.user_id,
                                      std::string{"api_key"});
}

bool live(const credential& k, int64_t now) {
  return k.revoked_at == 0 && (k.expires_at == 0 || k.expires_at > now);
}

task<> create_key(const call& c) {
  // A stolen key must not be able to mint more keys.
  if (c.who.via != "access_token")
    co_return send_error(c.res, ec::forbidden,
                      "API keys are created from a signed-in session (an access token), not with "
                      "another API key");
  auto doc = read_object(c.req, c.res, {"name", "expires_at", "agent_id"});
  if (!doc)
    co_return;
  credential k;
  std::string expires;
  if (!read_string(*doc, "name", max_key_name, true, k.name, c.res) ||
      !read_string(*doc, "expires_at", 40, false, expires, c.res) ||
      !read_string(*doc, "agent_id", 128, false, k.agent_id, c.res))
    co_return;
  auto now = now_ms();
  if (!expires.empty()) {
    auto at = parse_rfc3339(expires);
    if (!at || *at <= now)
      co_return send_error(c.res, ec::invalid_request,
                        "expires_at: expected a future RFC 3339 time, e.g. 2027-01-31T00:00:00Z");
    k.expires_at = *at;
  }
  if (!k.agent_id.empty()) {
    if (!agent_id::is_valid(k.agent_id))
      co_return send_error(c.res, ec::invalid_request, "agent_id: not an agent id");
    auto agent = co_await ask<agent_record>(c, c.ctx.actors.readers, atom::get::value, k.agent_id);
    if (!agent.ok() && agent.error().code != ec::not_found)
      co_return send_error(c.res, agent.error());
    if (!agent.ok() || agent.get().owner_id != c.who.user_id)
      co_return send_error(c.res, ec::forbidden,
                        "agent_id: a key can be scoped only to an agent you own (claim it first)");
  }
  auto existing = co_await keys_of(c);
  if (!existing.ok())
    co_return send_error(c.res, existing.error());
  auto count = std::count_if(existing.get().begin(), existing.get().end(),
                             [&](const credential& e) { return live(e, now); });
  if (static_cast<size_t>(count) >= max_keys_per_user)
    co_return send_error(c.res, ec::conflict,
                      "at most " + std::to_string(max_keys_per_user) +
                          " API keys per user; revoke one first");
  k.kind = "api_key";
  k.user_id = c.who.user_id;
  auto secret = secret_token::issue(k, secret_token::api_key_prefix, "key_", now);
  k.prefix = secret.substr(0, secret_token::shown_prefix_length);
  write_op op;
  op.kind = write_op::insert_credential;
  op.cred = k;
  auto done = co_await write(c, op);
  if (!done.ok())
    co_return send_error(c.res, done.error());
  audit(c, "key_created", k.id, {{"name", k.name}, {"agent_id", k.agent_id}});
  auto body = key_json(k);
  body["key"] = secret;
  send_json(c.res, 201, body);
}

task<> list_keys(const call& c) {
  if (!check_params(c.req, c.res, {}))
    co_return;
  auto keys = co_await keys_of(c);
  if (!keys.ok())
    co_return send_error(c.res, keys.error());
  auto now = now_ms();
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& k : keys.get())
    if (live(k, now))
      list.push_back(key_json(k));
  send_json(c.res, 200, {{"api_keys", list}});
}

task<> revoke_key(const call& c) {
  std::string id = c.req.path_param(0);
  if (!secret_token::well_formed_id(id, "key_"))
    co_return send_error(c.res, ec::not_found, "key_id: not an API key id (expected key_ and 17 "
                                            "base62 characters)");
  write_op op;
  op.kind = write_op::revoke_api_key;
  op.key = id;
  op.user.id = c.who.user_id;
  op.at = now_ms();
  auto done = co_await write(c, op);
  if (!done.ok()) {
    // Another user's key answers like a missing one: ids are not confirmed.
    if (done.error().code == ec::not_found)
      co_return send_error(c.res, ec::not_found, "key_id: you have no API key " + id.substr(0, 64));
    co_return send_error(c.res, done.error());
  }
  audit(c, "key_revoked", id);
  c.res.status = 204;
}

}  // namespace

std::vector<route> api_key_routes() {
  return {
      {"POST", "/api/v1/auth/api-keys", access::user, create_key, true},
      {"GET", "/api/v1/auth/api-keys", access::user, list_keys, true},
      {"DELETE", "/api/v1/auth/api-keys/{key_id}", access::user, revoke_key, true},
  };
}

}  // namespace tessera::http
