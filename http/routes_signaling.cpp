// GET /api/v1/signaling (426: it is a WebSocket, on its own port),
// /api/v1/signaling/info (what a client needs to connect), and the admin's
// view of the hub. All 404 while signaling.enabled is false.
#include <nlohmann/json.hpp>

#include "config/public_url.hpp"
#include "http/ask.hpp"
#include "http/dispatch.hpp"
#include "http/respond.hpp"
#include "http/route_table.hpp"
#include "protocol/signal_frame.hpp"

namespace tessera::http {

namespace signaling_api {
namespace {

bool disabled(const call& c) {
  if (c.ctx.cfg.signaling.enabled)
    return false;
  send_error(c.res, ec::not_found, "signaling is disabled on this server (signaling.enabled)");
  return true;
}

std::string url_for(const call& c) {
  return config::signaling_url(c.ctx.cfg);
}

// 426 for a plain GET of the signaling path, naming where the WebSocket is.
void send_upgrade_required(response& res, const std::string& url) {
  nlohmann::ordered_json body;
  body["error"] = {{"code", "upgrade_required"},
                   {"message", "the signaling relay is a WebSocket: connect to the url"}};
  body["url"] = url;
  res.set_header("Upgrade", "websocket");
  send_json(res, 426, body);
}

task<> upgrade_required(const call& c) {
  if (disabled(c))
    co_return;
  send_upgrade_required(c.res, url_for(c));
  co_return;
}

task<> info(const call& c) {
  if (disabled(c))
    co_return;
  const auto& s = c.ctx.cfg.signaling;
  nlohmann::ordered_json body;
  body["url"] = url_for(c);
  body["protocol"] = signal::auth_prefix;
  body["auth"] = {{"message", std::string(signal::auth_prefix) + ":<nonce>:<agent id>"},
                  {"signature", "Ed25519, base64url"},
                  {"timeout_ms", s.auth_timeout.count()}};
  body["frame_types"] = {"challenge",   "auth",          "config",       "offer",
                         "answer",      "ice_candidate", "relay_open",   "relay_data",
                         "relay_close", "bridge_message", "notification", "ping",
                         "pong",        "error"};
  body["limits"] = {{"max_frame_bytes", s.max_frame_bytes},
                    {"frames_per_sec", s.frames_per_sec},
                    {"frame_burst", s.frame_burst},
                    {"idle_timeout_ms", s.idle_timeout.count()},
                    {"relay_bytes_per_sec", s.relay_bytes_per_sec},
                    {"relay_daily_bytes", s.relay_daily_bytes},
                    {"offline_queue_size", s.offline_queue_size},
                    {"offline_queue_max_age_ms", s.offline_queue_max_age.count()}};
  body["require_contacts"] = s.require_contacts;
  body["broker"] = s.broker;
  body["node_id"] = c.ctx.actors.node_id;
  send_json(c.res, 200, body);
  co_return;
}

task<> admin_status(const call& c) {
  if (disabled(c))
    co_return;
  auto status = co_await ask<std::string>(c, c.ctx.actors.hub, atom::status::value);
  if (!status.ok())
    co_return send_error(c.res, status.error());
  auto doc = nlohmann::ordered_json::parse(status.get(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    co_return send_error(c.res, ec::internal, "the signaling hub's status is not JSON");
  doc["max_connections"] = c.ctx.cfg.signaling.max_connections;
  doc["node_id"] = c.ctx.actors.node_id;
  send_json(c.res, 200, doc);
}

}  // namespace
}  // namespace signaling_api

std::vector<route> signaling_routes() {
  return {
      {"GET", "/api/v1/signaling", access::open, signaling_api::upgrade_required},
      {"GET", "/api/v1/signaling/info", access::open, signaling_api::info},
      {"GET", "/api/v1/admin/signaling", access::admin, signaling_api::admin_status, true},
  };
}

void answer_signaling_listener(const context& ctx, exchange& x) {
  auto url = config::signaling_url(ctx.cfg);
  x.request_id.clear();
  if (x.req.path == config::signaling_path)
    signaling_api::send_upgrade_required(x.res, url);
  else
    send_error(x.res, ec::not_found, "the signaling WebSocket is at " + url);
}

}  // namespace tessera::http
