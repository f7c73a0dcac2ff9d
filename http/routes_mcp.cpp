// /mcp/{agent_id}: MCP Streamable HTTP for an agent whose card declares MCP,
// forwarded to the agent's own endpoint and answered as the agent answers
// (JSON, or an event stream passed on event by event). The gateway holds the
// session: its own Mcp-Session-Id, issued at initialize and mapped to the
// backend's; without one a request gets 400, with an unknown or expired one
// 404. An Origin other than this server's (or server.cors_origins) gets 403
// before anything reaches the agent (DNS rebinding). All 404 while
// bridge.enabled is false.
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <memory>

#include "actors/clock.hpp"
#include "actors/invocation.hpp"
#include "config/public_url.hpp"
#include "http/ask.hpp"
#include "http/event_stream.hpp"
#include "http/limits.hpp"
#include "http/respond.hpp"
#include "http/route_table.hpp"
#include "net/outbound_target.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/bridge/endpoint.hpp"
#include "protocol/bridge/forwarding.hpp"
#include "protocol/bridge/node_identity.hpp"

namespace tessera::http {

namespace mcp_api {
namespace {

constexpr const char* session_header = "Mcp-Session-Id";

void send_gateway_error(response& res, int status, const char* code, const std::string& message) {
  nlohmann::ordered_json body;
  body["error"] = {{"code", code}, {"message", message}};
  send_json(res, status, body);
}

bool origin_allowed(const call& c) {
  auto origin = c.req.header("Origin");
  if (origin.empty() || origin == config::public_origin(c.ctx.cfg)) return true;
  const auto& allowed = c.ctx.cfg.server.cors_origins;
  return std::find(allowed.begin(), allowed.end(), origin) != allowed.end() ||
         std::find(allowed.begin(), allowed.end(), "*") != allowed.end();
}

// The checks every MCP request passes first; false when it was answered.
bool admitted(const call& c) {
  if (!c.ctx.cfg.bridge.enabled) {
    send_error(c.res, ec::not_found, "the protocol bridge is disabled on this server (bridge.enabled)");
    return false;
  }
  if (!origin_allowed(c)) {
    send_error(c.res, ec::forbidden,
               "Origin " + c.req.header("Origin") +
                   " may not call agents through this server (server.cors_origins)");
    return false;
  }
  const auto& id = c.req.path_param(0);
  if (!agent_id::is_valid(id)) {
    send_error(c.res, ec::not_found, "no agent " + id);
    return false;
  }
  return true;
}

// The call limits, taken only for a request that will reach the agent: one
// refused earlier (no session, say) costs the agent's budget nothing.
bool within_limits(const call& c) {
  auto d = c.ctx.limiter->take_call(c.who, c.remote, c.req.path_param(0), now_ms());
  if (!d.allowed)
    send_rate_limited(c.res, d, "too many calls through the bridge (bridge.caller_calls_per_sec, "
                                "bridge.agent_calls_per_sec)");
  return d.allowed;
}

// The agent's MCP endpoint, or "" when it was answered (404).
task<std::string> endpoint_of(const call& c) {
  const auto& id = c.req.path_param(0);
  auto found = co_await ask<agent_record>(c, c.ctx.actors.registry, atom::get::value, id);
  if (!found.ok()) {
    send_error(c.res, found.error());
    co_return std::string();
  }
  auto url = bridge::endpoint_of(found.get().card, "mcp");
  if (url.empty())
    send_error(c.res, ec::not_found,
               "agent " + id + " does not speak MCP (its card does not declare \"mcp\")");
  co_return url;
}

// The session named by Mcp-Session-Id; nullopt when it was answered (400, 404).
task<std::optional<bridge::mcp_session>> session_of(const call& c) {
  auto id = c.req.header(session_header);
  if (id.empty()) {
    send_error(c.res, ec::invalid_request,
               "Mcp-Session-Id: required on every request after initialize");
    co_return std::nullopt;
  }
  auto found = co_await ask<bridge::mcp_session>(c, c.ctx.actors.bridge, atom::mcp_use::value,
                                                 id, c.req.path_param(0));
  if (!found.ok()) {
    send_error(c.res, found.error());
    co_return std::nullopt;
  }
  co_return found.get();
}

std::string caller_of(const principal& who) {
  switch (who.kind) {
    case principal::agent: return bridge::caller_header("agent", who.agent_id);
    case principal::user: return bridge::caller_header("user", who.user_id);
    default: return bridge::caller_header("anonymous", "");
  }
}

struct forwarded {
  bridge::answer_head head;
  std::shared_ptr<event_stream> stream;  // set when head.streamed
};

// Sends the client's request on to the agent at `url` (in the backend's
// session, if any) through an invocation actor; the head of its answer, and
// the stream the rest goes to when it streams.
task<forwarded> forward(const call& c, const std::string& url, const std::string& backend_session) {
  const auto& cfg = c.ctx.cfg.bridge;
  invocation_spec spec;
  spec.request.method = c.req.method;
  spec.request.url = url;
  for (const auto& [name, value] : c.req.headers)
    if (bridge::forwarded_mcp_header(name)) spec.request.headers.emplace_back(name, value);
  if (!backend_session.empty()) spec.request.headers.emplace_back(session_header, backend_session);
  spec.request.headers.emplace_back("Tessera-Caller", caller_of(c.who));
  spec.request.headers.emplace_back("traceparent",
                                    bridge::next_traceparent(c.req.header("traceparent")));
  spec.request.body = c.req.body;
  net::outbound::failure bad_url;
  if (auto target = net::outbound::parse_url(url, bad_url))  // else the call fails as bad_url
    for (auto& h : bridge::sign_call(*c.ctx.actors.identity, c.req.method, target->target,
                                     spec.request.body, now_ms() / 1000))
      spec.request.headers.push_back(std::move(h));
  spec.limits.head_timeout = cfg.call_timeout;
  spec.limits.idle_timeout = cfg.stream_idle_timeout;
  spec.limits.max_duration = cfg.stream_max_duration;
  spec.limits.max_body_bytes = cfg.max_response_bytes;
  spec.allow = net::outbound::allowed_ranges(cfg.allow_cidrs);
  spec.io = &c.io.context();
  forwarded out;
  out.stream = std::make_shared<event_stream>(c.ctx.cfg.server.stream_queue_bytes);
  spec.sink = out.stream;
  auto call_actor = c.ctx.sys.spawn(invocation, std::move(spec));
  out.stream->on_closed([call_actor] { caf::anon_send(call_actor, atom::cancel::value); });
  // The invocation bounds the call itself (a head, or a whole answer that does
  // not stream, within call_timeout); this deadline only backs it up.
  auto deadline = cfg.call_timeout + std::chrono::seconds(5);
  auto head = co_await ask<bridge::answer_head>(c.io, call_actor, deadline, atom::start::value);
  if (!head.ok()) {
    out.head.error = "timeout";
    out.head.message = head.error().message;
  } else {
    out.head = std::move(head.get());
  }
  if (!out.head.streamed) {
    out.stream->finish();
    out.stream.reset();
  }
  co_return out;
}

// Writes the agent's answer (or why there is none) to the client; `session`:
// the gateway's session id to name in the answer ("" for none).
void answer(const call& c, forwarded& f, const std::string& session) {
  auto& head = f.head;
  if (!head.error.empty()) {
    // The details (host names, resolved addresses) stay in the log: they
    // would map the network behind the gateway for whoever asks.
    const auto& id = c.req.path_param(0);
    spdlog::info("bridge call to agent {} failed: {}: {}", id, head.error, head.message);
    if (head.error == "timeout")
      return send_gateway_error(c.res, 504, "gateway_timeout",
                                "agent " + id + " did not answer within bridge.call_timeout");
    return send_gateway_error(c.res, 502, "bad_gateway",
                              "agent " + id + " could not be reached (" + head.error + ")");
  }
  c.res.status = head.status;
  if (!session.empty()) c.res.set_header(session_header, session);
  if (auto allow = head.header("Allow"); !allow.empty()) c.res.set_header("Allow", allow);
  if (head.streamed) {
    c.res.stream = std::move(f.stream);
    return;
  }
  // Only JSON is served as such: anything else the agent sends would be served
  // from the gateway's origin (a page with a script, say).
  c.res.set_header("X-Content-Type-Options", "nosniff");
  auto type = head.header("Content-Type");
  bool json = type.rfind("application/json", 0) == 0;
  if (!type.empty() || !head.body.empty())
    c.res.set_content(std::move(head.body), json ? type : "application/octet-stream");
}

bool is_initialize(const std::string& body) {
  auto message = nlohmann::json::parse(body, nullptr, false);
  return message.is_object() && message.value("method", "") == "initialize";
}

task<> post(const call& c) {
  if (!admitted(c)) co_return;
  auto url = co_await endpoint_of(c);
  if (url.empty()) co_return;
  if (is_initialize(c.req.body)) {
    if (!within_limits(c)) co_return;
    auto f = co_await forward(c, url, "");
    std::string session;
    if (f.head.error.empty() && f.head.status >= 200 && f.head.status < 300) {
      bridge::mcp_session s{c.req.path_param(0), f.head.header(session_header),
                            f.head.header("MCP-Protocol-Version"), 0};
      auto opened = co_await ask<std::string>(c, c.ctx.actors.bridge, atom::mcp_open::value, s);
      if (!opened.ok()) {
        if (f.stream) f.stream->finish();
        co_return send_error(c.res, opened.error());
      }
      session = opened.get();
    }
    co_return answer(c, f, session);
  }
  auto session = co_await session_of(c);
  if (!session || !within_limits(c)) co_return;
  auto f = co_await forward(c, url, session->backend_session);
  answer(c, f, c.req.header(session_header));
}

// GET opens the session's stream of server messages; DELETE ends the session.
task<> get_or_delete(const call& c) {
  if (!admitted(c)) co_return;
  auto url = co_await endpoint_of(c);
  if (url.empty()) co_return;
  auto session = co_await session_of(c);
  if (!session || !within_limits(c)) co_return;
  auto f = co_await forward(c, url, session->backend_session);
  if (c.req.method == "DELETE" && f.head.error.empty() && f.head.status < 300)
    co_await ask<bool>(c, c.ctx.actors.bridge, atom::mcp_close::value,
                       c.req.header(session_header), c.req.path_param(0));
  answer(c, f, c.req.header(session_header));
}

}  // namespace
}  // namespace mcp_api

std::vector<route> mcp_routes() {
  return {
      {"POST", "/mcp/{agent_id}", access::caller, mcp_api::post},
      {"GET", "/mcp/{agent_id}", access::caller, mcp_api::get_or_delete},
      {"DELETE", "/mcp/{agent_id}", access::caller, mcp_api::get_or_delete},
  };
}

}  // namespace tessera::http
