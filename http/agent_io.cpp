#include "http/agent_io.hpp"

#include "http/ask.hpp"
#include "http/audit.hpp"
#include "http/body.hpp"
#include "http/respond.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/encoding.hpp"
#include "protocol/json_body.hpp"

namespace tessera::http {

namespace {


}  // namespace

std::optional<card::agent_card> read_card(const request& req, response& res) {
  problem err;
  if (req.body.empty()) {
    send_error(res, ec::invalid_request, "body: expected a signed agent card (JSON object)");
    return std::nullopt;
  }
  auto doc = json_body::parse(req.body, "body", err);
  if (!doc) {
    send_error(res, err);
    return std::nullopt;
  }
  auto card = card::parse(*doc, err);
  if (!card)
    send_error(res, err);
  return card;
}

// The body is stored as sent: it parsed without duplicate keys, so every
// verifier reads the same card from it.
agent_record record_of(const card::agent_card& c, const std::string& body) {
  agent_record rec;
  rec.id = c.id;
  rec.card = body;
  rec.name = c.name;
  rec.protocols = c.protocols;
  rec.skills = c.skill_ids;
  rec.tags = c.tags;
  rec.url = c.url;
  return rec;
}

std::optional<std::string> path_id(const request& req, response& res) {
  std::string id = req.path_param(0);
  if (!agent_id::is_valid(id)) {
    send_error(res, ec::not_found, "id: not an agent id (expected a did:key fingerprint, z6Mk...)");
    return std::nullopt;
  }
  return id;
}

bool read_agent_query(const request& req, response& res, agent_query& q,
                      bool admin) {
  bool known = admin ? check_params(req, res, {"protocol", "skill", "tag", "status", "search",
                                               "limit", "page_token"})
                     : check_params(req, res, {"protocol", "skill", "tag", "status", "limit",
                                               "page_token"});
  if (!known)
    return false;
  q.protocol = req.param("protocol");
  q.skill = req.param("skill");
  q.tag = req.param("tag");
  q.status = req.param("status");
  q.search = req.param("search");
  const auto& protocols = card::known_protocols;
  if (!q.protocol.empty() &&
      std::find(protocols.begin(), protocols.end(), q.protocol) == protocols.end()) {
    send_error(res, ec::invalid_request, "protocol: expected a2a, mcp, acp or http");
    return false;
  }
  if (!q.status.empty() && q.status != "online" && q.status != "offline") {
    send_error(res, ec::invalid_request, "status: expected online or offline");
    return false;
  }
  if (!read_limit(req, res, max_page, default_page, q.limit))
    return false;
  if (req.has_param("page_token")) {
    auto decoded = encoding::base64url_decode(req.param("page_token"));
    if (!decoded || !agent_id::is_valid(*decoded)) {
      send_error(res, ec::invalid_request, "page_token: not a token from a previous page");
      return false;
    }
    q.after_id = *decoded;
  }
  return true;
}

std::string agent_page_json(const agent_page& page, bool with_owner) {
  std::string body = "{\"agents\":[";
  bool first = true;
  for (const auto& a : page.agents) {
    if (!first)
      body += ',';
    first = false;
    body += agent_json(a, with_owner);
  }
  body += "],\"next_page_token\":";
  const auto& next = page.next_after_id;
  body += next.empty() ? "null" : "\"" + encoding::base64url_encode(next) + "\"";
  body += '}';
  return body;
}

task<> show_agent(const call& c) {
  auto id = path_id(c.req, c.res);
  if (!id)
    co_return;
  auto found = co_await ask<agent_record>(c, c.ctx.actors.readers, atom::get::value, *id);
  if (!found.ok())
    co_return send_error(c.res, found.error());
  c.res.status = 200;
  c.res.set_content(agent_json(found.get(), true), "application/json");
}

task<> remove_agent(const call& c) {
  auto id = path_id(c.req, c.res);
  if (!id)
    co_return;
  auto done = co_await ask<caf::ok_atom>(c, c.ctx.actors.registry, atom::remove::value, *id);
  if (!done.ok())
    co_return send_error(c.res, done.error());
  audit(c, "agent_deleted", *id);
  c.res.status = 204;
}

task<> list_agents_with_owner(const call& c, const agent_query& base, bool admin) {
  auto q = base;
  if (!read_agent_query(c.req, c.res, q, admin))
    co_return;
  auto page = co_await ask<agent_page>(c, c.ctx.actors.readers, atom::list::value, q);
  if (!page.ok())
    co_return send_error(c.res, page.error());
  c.res.status = 200;
  c.res.set_content(agent_page_json(page.get(), true), "application/json");
}

}  // namespace tessera::http
