// /api/v1/agents: register, replace, deregister, read, list, heartbeat, watch.
#include <nlohmann/json.hpp>

#include "actors/clock.hpp"
#include "http/agent_io.hpp"
#include "http/ask.hpp"
#include "http/audit.hpp"
#include "http/body.hpp"
#include "http/event_stream.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/agent_watch.hpp"
#include "http/respond.hpp"
#include "http/route_table.hpp"

namespace tessera::http {

namespace {

task<> register_agent(const call& c) {
  const auto& ctx = c.ctx;
  const auto& req = c.req;
  auto& res = c.res;
  auto card = read_card(req, res);
  if (!card)
    co_return;
  if (card->id != c.who.agent_id)
    co_return send_error(res, ec::forbidden,
                      "public_key: the card's key is not the key that signed the request "
                      "(proof of possession)");
  auto stored = co_await ask<agent_record>(c, ctx.actors.registry, atom::register_::value, record_of(*card, req.body));
  if (!stored.ok())
    co_return send_error(res, stored.error());
  audit(c, "agent_registered", stored.get().id);
  res.status = 201;
  res.set_header("Location", "/api/v1/agents/" + stored.get().id);
  res.set_content(agent_json(stored.get()), "application/json");
}

task<> replace_agent(const call& c) {
  const auto& ctx = c.ctx;
  const auto& req = c.req;
  auto& res = c.res;
  auto id = path_id(req, res);
  if (!id)
    co_return;
  auto card = read_card(req, res);
  if (!card)
    co_return;
  if (card->id != *id)
    co_return send_error(res, ec::invalid_request,
                      "public_key: a card can't change the agent's key; register a new agent");
  auto stored = co_await ask<agent_record>(c, ctx.actors.registry, atom::replace::value, record_of(*card, req.body));
  if (!stored.ok())
    co_return send_error(res, stored.error());
  audit(c, "agent_updated", *id);
  res.status = 200;
  res.set_content(agent_json(stored.get()), "application/json");
}

task<> delete_agent(const call& c) {
  const auto& ctx = c.ctx;
  const auto& req = c.req;
  auto& res = c.res;
  auto id = path_id(req, res);
  if (!id)
    co_return;
  auto done = co_await ask<caf::ok_atom>(c, ctx.actors.registry, atom::remove::value, *id);
  if (!done.ok())
    co_return send_error(res, done.error());
  audit(c, "agent_deleted", *id);
  res.status = 204;
}

task<> get_agent(const call& c) {
  const auto& ctx = c.ctx;
  const auto& req = c.req;
  auto& res = c.res;
  auto id = path_id(req, res);
  if (!id)
    co_return;
  // The registry answers an online agent from memory.
  auto found = co_await ask<agent_record>(c, ctx.actors.registry, atom::get::value,
                                 *id);
  if (!found.ok())
    co_return send_error(res, found.error());
  res.status = 200;
  res.set_content(agent_json(found.get()), "application/json");
}

task<> list_agents(const call& c) {
  const auto& ctx = c.ctx;
  const auto& req = c.req;
  auto& res = c.res;
  agent_query q;
  if (!read_agent_query(req, res, q, false))
    co_return;
  auto page = co_await ask<agent_page>(c, ctx.actors.readers, atom::list::value, q);
  if (!page.ok())
    co_return send_error(res, page.error());
  res.status = 200;
  res.set_content(agent_page_json(page.get(), false), "application/json");
}

task<> heartbeat(const call& c) {
  const auto& ctx = c.ctx;
  const auto& req = c.req;
  auto& res = c.res;
  auto id = path_id(req, res);
  if (!id)
    co_return;
  auto ack = co_await ask<heartbeat_ack>(c, ctx.actors.registry, atom::heartbeat::value, *id);
  if (!ack.ok())
    co_return send_error(res, ack.error());
  nlohmann::ordered_json body;
  body["id"] = *id;
  body["status"] = ack.get().status;
  body["next_deadline"] = rfc3339(ack.get().next_deadline);
  send_json(res, 200, body);
}

/// GET /api/v1/agents/watch: the registry's lifecycle events as Server-Sent
/// Events, filtered like the listing; Last-Event-ID resumes (or gets `reset`).
task<> watch_agents(const call& c) {
  if (!check_params(c.req, c.res, {"protocol", "skill", "tag", "id"}))
    co_return;
  watch::filter f{c.req.param("protocol"), c.req.param("skill"), c.req.param("tag"),
                  c.req.param("id")};
  const auto& protocols = card::known_protocols;
  if (!f.protocol.empty() &&
      std::find(protocols.begin(), protocols.end(), f.protocol) == protocols.end())
    co_return send_error(c.res, ec::invalid_request, "protocol: expected a2a, mcp, acp or http");
  if (!f.id.empty() && !agent_id::is_valid(f.id))
    co_return send_error(c.res, ec::invalid_request,
                         "id: not an agent id (expected a did:key fingerprint, z6Mk...)");
  int64_t last_id = -1;
  if (c.req.has_header("Last-Event-ID")) {
    auto parsed = watch::parse_event_id(c.req.header("Last-Event-ID"));
    if (!parsed)
      co_return send_error(c.res, ec::invalid_request,
                           "Last-Event-ID: expected the id of an event of this stream");
    last_id = *parsed;
  }
  static std::atomic<uint64_t> next_stream{1};
  auto id = next_stream++;
  auto stream = std::make_shared<event_stream>(c.ctx.cfg.server.stream_queue_bytes);
  stream->on_closed([watch = c.ctx.actors.watch, id] {
    caf::anon_send(watch, atom::closed_stream::value, id);
  });
  auto subscribed = co_await ask<caf::ok_atom>(c, c.ctx.actors.watch, atom::subscribe::value, id,
                                               f, last_id, stream_sink_ptr{stream});
  if (!subscribed.ok()) {
    stream->finish();
    co_return send_error(c.res, subscribed.error());
  }
  c.res.status = 200;
  // How long a client waits before it reconnects (EventSource honours it).
  c.res.body = "retry: 3000\n\n";
  c.res.stream = std::move(stream);
}

}  // namespace

std::vector<route> agent_routes() {
  return {
      {"POST", "/api/v1/agents", access::agent, register_agent},
      {"GET", "/api/v1/agents", access::read, list_agents},
      {"GET", "/api/v1/agents/watch", access::read, watch_agents},
      {"GET", "/api/v1/agents/{id}", access::read, get_agent},
      {"PUT", "/api/v1/agents/{id}", access::agent, replace_agent},
      {"DELETE", "/api/v1/agents/{id}", access::agent, delete_agent},
      {"POST", "/api/v1/agents/{id}/heartbeat", access::agent, heartbeat},
  };
}

}  // namespace tessera::http
