// /api/v1/admin: the back office. Every call is audited centrally (see
// server.cpp); the changes also get their own audit entries here.
#include "actors/clock.hpp"
#include "http/agent_io.hpp"
#include "http/ask.hpp"
#include "http/audit.hpp"
#include "http/body.hpp"
#include "http/respond.hpp"
#include "http/route_table.hpp"
#include "http/sessions.hpp"
#include "http/write.hpp"
#include "protocol/encoding.hpp"
#include "protocol/secret_token.hpp"

namespace tessera::http {

namespace {


task<reply<user_record>> user_at(const call& c, const std::string& id) {
  co_return co_await ask<user_record>(c, c.ctx.actors.readers, atom::user_get::value, id);
}

/// The path's user id, if it has the shape of one (else a 404 was written):
/// a malformed id never reaches the database.
std::optional<std::string> path_user(const call& c) {
  std::string id = c.req.path_param(0);
  if (secret_token::well_formed_id(id, "usr_"))
    return id;
  send_error(c.res, ec::not_found, "id: not a user id (expected usr_ and 17 base62 characters)");
  return std::nullopt;
}

task<> dashboard(const call& c) {
  if (!check_params(c.req, c.res, {}))
    co_return;
  auto stats = co_await ask<std::string>(c, c.ctx.actors.readers, atom::stats::value, std::string{});
  if (!stats.ok())
    co_return send_error(c.res, stats.error());
  c.res.status = 200;
  c.res.set_content(stats.get(), "application/json");
}

task<> list_users(const call& c) {
  if (!check_params(c.req, c.res, {"search", "role", "limit", "page_token"}))
    co_return;
  user_query q;
  q.search = c.req.param("search");
  q.role = c.req.param("role");
  if (!q.role.empty() && q.role != "user" && q.role != "admin")
    co_return send_error(c.res, ec::invalid_request, "role: expected user or admin");
  if (!read_limit(c.req, c.res, max_page, default_page, q.limit))
    co_return;
  if (c.req.has_param("page_token")) {
    auto decoded = encoding::base64url_decode(c.req.param("page_token"));
    if (!decoded || !secret_token::well_formed_id(*decoded, "usr_"))
      co_return send_error(c.res, ec::invalid_request, "page_token: not a token from a previous page");
    q.after_id = *decoded;
  }
  auto page = co_await ask<user_page>(c, c.ctx.actors.readers, atom::user_list::value, q);
  if (!page.ok())
    co_return send_error(c.res, page.error());
  nlohmann::ordered_json users = nlohmann::ordered_json::array();
  for (const auto& u : page.get().users)
    users.push_back(user_json(u));
  const auto& next = page.get().next_after_id;
  nlohmann::ordered_json body;
  body["users"] = users;
  body["next_page_token"] =
      next.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(encoding::base64url_encode(next));
  send_json(c.res, 200, body);
}

task<> get_user(const call& c) {
  auto id = path_user(c);
  if (!id)
    co_return;
  auto user = co_await user_at(c, *id);
  if (!user.ok())
    co_return send_error(c.res, user.error());
  send_json(c.res, 200, user_json(user.get()));
}

/// An admin can't demote or delete themselves, so at least one admin stays.
bool refuse_self(const call& c, const std::string& id, const char* what) {
  if (id != c.who.user_id)
    return false;
  send_error(c.res, ec::conflict,
             std::string("you can't ") + what + " yourself; ask another admin");
  return true;
}

task<> set_role(const call& c) {
  auto path = path_user(c);
  if (!path)
    co_return;
  const auto& id = *path;
  auto doc = read_object(c.req, c.res, {"role"});
  std::string role;
  if (!doc || !read_string(*doc, "role", 16, true, role, c.res))
    co_return;
  if (role != "user" && role != "admin")
    co_return send_error(c.res, ec::invalid_request, "role: expected user or admin");
  if (refuse_self(c, id, "change the role of"))
    co_return;
  auto user = co_await user_at(c, id);
  if (!user.ok())
    co_return send_error(c.res, user.error());
  auto u = user.get();
  auto before = u.role;
  u.role = role;
  u.updated_at = now_ms();
  write_op op;
  op.kind = write_op::update_user;
  op.user.id = id;
  op.user.role = role;
  op.user.updated_at = u.updated_at;
  auto done = co_await write(c, op);
  if (!done.ok())
    co_return send_error(c.res, done.error());
  audit(c, "role_changed", id, {{"from", before}, {"to", role}});
  send_json(c.res, 200, user_json(u));
}

task<> delete_user(const call& c) {
  auto path = path_user(c);
  if (!path)
    co_return;
  const auto& id = *path;
  if (refuse_self(c, id, "delete"))
    co_return;
  write_op op;
  op.kind = write_op::delete_user;
  op.user.id = id;
  auto done = co_await write(c, op);
  if (!done.ok())
    co_return send_error(c.res, done.error());
  audit(c, "user_deleted", id);
  c.res.status = 204;
}

task<> list_audit(const call& c) {
  if (!check_params(c.req, c.res, {"action", "before", "limit"}))
    co_return;
  audit_query q;
  q.action = c.req.param("action");
  if (!read_limit(c.req, c.res, max_page, default_page, q.limit))
    co_return;
  if (!read_before_seq(c.req, c.res, q.before_seq))
    co_return;
  auto entries = co_await ask<std::vector<audit_entry>>(c, c.ctx.actors.readers, atom::audit::value, q);
  if (!entries.ok())
    co_return send_error(c.res, entries.error());
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& e : entries.get()) {
    nlohmann::ordered_json j;
    j["seq"] = e.seq;
    j["at"] = rfc3339(e.at);
    j["action"] = e.action;
    j["actor"] = e.actor;
    j["target"] = e.target;
    j["remote"] = e.remote;
    j["detail"] = nlohmann::ordered_json::parse(e.detail.empty() ? "{}" : e.detail);
    j["hash"] = e.hash;
    list.push_back(j);
  }
  nlohmann::ordered_json body;
  body["entries"] = list;
  body["next_before"] = static_cast<int32_t>(entries.get().size()) == q.limit
                            ? nlohmann::ordered_json(entries.get().back().seq)
                            : nlohmann::ordered_json();
  send_json(c.res, 200, body);
}

task<> list_all_agents(const call& c) {
  agent_query all;
  co_await list_agents_with_owner(c, all, true);
}

}  // namespace

std::vector<route> admin_routes() {
  return {
      {"GET", "/api/v1/admin/dashboard", access::admin, dashboard, true},
      {"GET", "/api/v1/admin/users", access::admin, list_users, true},
      {"GET", "/api/v1/admin/users/{id}", access::admin, get_user, true},
      {"PUT", "/api/v1/admin/users/{id}/role", access::admin, set_role, true},
      {"DELETE", "/api/v1/admin/users/{id}", access::admin, delete_user, true},
      {"GET", "/api/v1/admin/agents", access::admin, list_all_agents, true},
      {"GET", "/api/v1/admin/agents/{id}", access::admin, show_agent, true},
      {"DELETE", "/api/v1/admin/agents/{id}", access::admin, remove_agent, true},
      {"GET", "/api/v1/admin/audit", access::admin, list_audit, true},
  };
}

}  // namespace tessera::http
