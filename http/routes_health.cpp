// /api/v1/health: a real round trip through each component.
#include <nlohmann/json.hpp>

#include "http/ask.hpp"
#include "http/respond.hpp"
#include "http/route_table.hpp"

namespace tessera::http {

namespace {

/// "ok", "degraded" (other nodes unreachable through the broker: this node
/// still serves its own connections) or "down" (the hub doesn't answer).
std::string health_signaling_state(const context& ctx, caf::duration timeout) {
  auto hub = ask<std::string>(ctx.sys, ctx.actors.hub, timeout, atom::status::value);
  if (!hub.ok())
    return "down";
  // The hub's status carries the broker's, or "down" when the broker didn't
  // answer (stuck on a Redis that hangs): not healthy, but the node serves.
  auto status = nlohmann::json::parse(hub.get(), nullptr, false);
  if (!status.is_object() || !status.contains("broker") || !status["broker"].is_object())
    return "degraded";
  return status["broker"].value("state", "") == "ok" ? "ok" : "degraded";
}

void health(const context& ctx, httplib::Response& res) {
  // Short: a health check must answer even when a component hangs.
  caf::duration timeout{std::chrono::milliseconds(
      std::min<int64_t>(2000, ctx.cfg.server.request_timeout.count()))};
  nlohmann::ordered_json components;
  bool ok = true;
  auto database = ask<caf::ok_atom>(ctx.sys, ctx.actors.readers, timeout, atom::ping::value);
  auto writer = ask<std::string>(ctx.sys, ctx.actors.writer, timeout, atom::status::value);
  bool writer_ok = writer.ok() && nlohmann::json::parse(writer.get()).value("state", "") == "ok";
  components["database"] = database.ok() && writer_ok ? "ok" : "down";
  ok = ok && database.ok() && writer_ok;
  auto registry = ask<std::string>(ctx.sys, ctx.actors.registry, timeout, atom::status::value);
  components["registry"] = registry.ok() ? "ok" : "down";
  ok = ok && registry.ok();
  auto replay = ask<std::string>(ctx.sys, ctx.actors.replay, timeout, atom::status::value);
  components["signatures"] = replay.ok() ? "ok" : "down";
  ok = ok && replay.ok();
  auto signaling = health_signaling_state(ctx, timeout);
  components["signaling"] = signaling;
  ok = ok && signaling != "down";
  nlohmann::ordered_json body;
  body["status"] = ok && signaling == "ok" ? "ok" : "degraded";
  body["components"] = components;
  if (registry.ok())
    body["agents_online"] = nlohmann::json::parse(registry.get()).value("online", 0);
  // Degraded signaling still answers 200: this node serves, other nodes
  // just can't be reached through it for now.
  send_json(res, ok ? 200 : 503, body);
}

}  // namespace

std::vector<route> health_routes() {
  return {{"GET", "/api/v1/health", access::open,
           [](const call& c) { health(c.ctx, c.res); }}};
}

}  // namespace tessera::http
