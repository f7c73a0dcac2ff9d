// /api/v1/agents: register, replace, deregister, read, list, heartbeat.
#include <nlohmann/json.hpp>

#include "actors/clock.hpp"
#include "http/ask.hpp"
#include "http/respond.hpp"
#include "http/routes.hpp"
#include "http/signed_request.hpp"
#include "protocol/agent_card.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/encoding.hpp"
#include "protocol/json_body.hpp"

namespace tessera::http {

namespace {

constexpr int max_page = 200;
constexpr int default_page = 50;
constexpr size_t max_filter = 128;

caf::duration timeout_of(const context& ctx) {
  return caf::duration{ctx.cfg.server.request_timeout};
}

/// Parses and validates a signed card from the body; nullopt after an error
/// response was written.
std::optional<card::agent_card> read_card(const httplib::Request& req, httplib::Response& res) {
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

/// The body is stored as sent: it parsed without duplicate keys, so every
/// verifier reads the same card from it.
agent_record record_of(const card::agent_card& c, const std::string& body) {
  agent_record rec;
  rec.id = c.id;
  rec.card = body;
  rec.name = c.name;
  rec.protocols = c.protocols;
  rec.skills = c.skill_ids;
  rec.tags = c.tags;
  return rec;
}

/// The signing agent must be the agent the path names.
bool authorize_self(const context& ctx, const httplib::Request& req, httplib::Response& res,
                    const std::string& id) {
  problem err;
  auto signer = signing_agent(ctx, req, err);
  if (!signer) {
    send_error(res, err);
    return false;
  }
  if (*signer != id) {
    send_error(res, ec::forbidden,
               "Signature-Input: keyid " + *signer + " may not act for agent " + id);
    return false;
  }
  return true;
}

std::optional<std::string> path_id(const httplib::Request& req, httplib::Response& res) {
  std::string id = req.matches[1];
  if (!agent_id::is_valid(id)) {
    send_error(res, ec::not_found, "id: not an agent id (expected a did:key fingerprint, z6Mk...)");
    return std::nullopt;
  }
  return id;
}

void register_agent(const context& ctx, const httplib::Request& req, httplib::Response& res) {
  problem err;
  auto signer = signing_agent(ctx, req, err);
  if (!signer)
    return send_error(res, err);
  auto card = read_card(req, res);
  if (!card)
    return;
  if (card->id != *signer)
    return send_error(res, ec::forbidden,
                      "public_key: the card's key is not the key that signed the request "
                      "(proof of possession)");
  auto stored = ask<agent_record>(ctx.sys, ctx.actors.registry, timeout_of(ctx),
                                  atom::register_::value, record_of(*card, req.body));
  if (!stored.ok())
    return send_error(res, stored.error());
  res.status = 201;
  res.set_header("Location", "/api/v1/agents/" + stored.get().id);
  res.set_content(agent_json(stored.get()), "application/json");
}

void replace_agent(const context& ctx, const httplib::Request& req, httplib::Response& res) {
  auto id = path_id(req, res);
  if (!id || !authorize_self(ctx, req, res, *id))
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
  res.status = 200;
  res.set_content(agent_json(stored.get()), "application/json");
}

void delete_agent(const context& ctx, const httplib::Request& req, httplib::Response& res) {
  auto id = path_id(req, res);
  if (!id || !authorize_self(ctx, req, res, *id))
    return;
  auto done = ask<caf::ok_atom>(ctx.sys, ctx.actors.registry, timeout_of(ctx),
                                atom::remove::value, *id);
  if (!done.ok())
    return send_error(res, done.error());
  res.status = 204;
}

void get_agent(const context& ctx, const httplib::Request& req, httplib::Response& res) {
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

/// Reads the list query; false after an error response was written.
bool read_query(const httplib::Request& req, httplib::Response& res, agent_query& q) {
  static const std::vector<std::string> known = {"protocol", "skill", "tag",
                                                 "status",   "limit", "page_token"};
  for (const auto& [key, value] : req.params) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      send_error(res, ec::invalid_request,
                 key + ": unknown query parameter (expected protocol, skill, tag, status, limit "
                       "or page_token)");
      return false;
    }
    if (req.get_param_value_count(key) > 1) {
      send_error(res, ec::invalid_request, key + ": given more than once");
      return false;
    }
    if (value.size() > max_filter) {
      send_error(res, ec::invalid_request,
                 key + ": longer than " + std::to_string(max_filter) + " characters");
      return false;
    }
  }
  q.protocol = req.get_param_value("protocol");
  q.skill = req.get_param_value("skill");
  q.tag = req.get_param_value("tag");
  q.status = req.get_param_value("status");
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
  q.limit = default_page;
  if (req.has_param("limit")) {
    auto text = req.get_param_value("limit");
    size_t used = 0;
    int limit = 0;
    try {
      limit = std::stoi(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != text.size() || text.empty() || limit < 1 || limit > max_page) {
      send_error(res, ec::invalid_request,
                 "limit: expected an integer from 1 to " + std::to_string(max_page));
      return false;
    }
    q.limit = limit;
  }
  if (req.has_param("page_token")) {
    auto decoded = encoding::base64url_decode(req.get_param_value("page_token"));
    if (!decoded || !agent_id::is_valid(*decoded)) {
      send_error(res, ec::invalid_request, "page_token: not a token from a previous page");
      return false;
    }
    q.after_id = *decoded;
  }
  return true;
}

void list_agents(const context& ctx, const httplib::Request& req, httplib::Response& res) {
  agent_query q;
  if (!read_query(req, res, q))
    return;
  auto page = ask<agent_page>(ctx.sys, ctx.actors.readers, timeout_of(ctx), atom::list::value, q);
  if (!page.ok())
    return send_error(res, page.error());
  std::string body = "{\"agents\":[";
  bool first = true;
  for (const auto& a : page.get().agents) {
    if (!first)
      body += ',';
    first = false;
    body += agent_json(a);
  }
  body += "],\"next_page_token\":";
  const auto& next = page.get().next_after_id;
  body += next.empty() ? "null" : "\"" + encoding::base64url_encode(next) + "\"";
  body += '}';
  res.status = 200;
  res.set_content(body, "application/json");
}

void heartbeat(const context& ctx, const httplib::Request& req, httplib::Response& res) {
  auto id = path_id(req, res);
  if (!id || !authorize_self(ctx, req, res, *id))
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

void add_agent_routes(httplib::Server& svr, const context& ctx) {
  // The handlers copy the context: it is small and immutable.
  auto bind = [ctx](void (*f)(const context&, const httplib::Request&, httplib::Response&)) {
    return [ctx, f](const httplib::Request& req, httplib::Response& res) { f(ctx, req, res); };
  };
  const std::string one = R"(/api/v1/agents/([^/]+))";
  svr.Post("/api/v1/agents", bind(register_agent));
  svr.Get("/api/v1/agents", bind(list_agents));
  svr.Get(one, bind(get_agent));
  svr.Put(one, bind(replace_agent));
  svr.Delete(one, bind(delete_agent));
  svr.Post(one + "/heartbeat", bind(heartbeat));
}

}  // namespace tessera::http
