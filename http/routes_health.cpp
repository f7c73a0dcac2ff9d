// /api/v1/health: a real round trip through each component, all asked at
// once (concurrent checks on one I/O thread share a round), ahead of their queued work (high priority) and with a deadline of
// their own: a component that answers is "ok", one that is alive but does not
// answer in time is "slow" (busy is not dead: the node still serves), one
// that is gone is "down" (503).
#include <nlohmann/json.hpp>

#include "http/ask.hpp"
#include "http/respond.hpp"
#include "http/rounds.hpp"
#include "http/route_table.hpp"
#include "protocol/health.hpp"

namespace tessera::http {

namespace {

// A health check must answer even when a component hangs.
constexpr auto health_deadline = std::chrono::milliseconds(2000);

struct probe_result {
  status_client_actor dest;
  std::string state;   // ok | slow | down
  std::string status;  // the component's status JSON, when it answered
};

std::string state_of(const problem& p) {
  return p.code == ec::timeout ? "slow" : "down";
}

std::chrono::milliseconds wait_of(const call& c) {
  return std::min(health_deadline, c.ctx.cfg.server.request_timeout);
}

/// A component's status, asked ahead of its queued work.
task<> probe(const call& c, probe_result& out) {
  auto answer = co_await ask<std::string, caf::message_priority::high>(c.io, out.dest, wait_of(c),
                                                                       atom::status::value);
  out.state = answer.ok() ? "ok" : state_of(answer.error());
  if (answer.ok())
    out.status = std::move(answer.get());
}

/// A query on a reader's session: is the database there?
task<> ping_database(const call& c, probe_result& out) {
  auto answer = co_await ask<caf::ok_atom, caf::message_priority::high>(
      c.io, c.ctx.actors.readers, wait_of(c), atom::ping::value);
  out.state = answer.ok() ? "ok" : state_of(answer.error());
}

template <class Handle>
void start_probe(const call& c, const Handle& dest, probe_result& out, latch& done) {
  out.dest = caf::actor_cast<status_client_actor>(dest);
  start(probe(c, out), [&done](std::exception_ptr) { done.arrive(); });
}

/// A component's JSON status field, "" when absent.
std::string field(const std::string& status, const char* key) {
  auto doc = nlohmann::json::parse(status, nullptr, false);
  if (!doc.is_object() || !doc.contains(key) || !doc[key].is_string())
    return "";
  return doc[key].get<std::string>();
}

/// One round trip through every component, all asked at once.
task<health::verdict> check_components(const call& c) {
  const auto& a = c.ctx.actors;
  probe_result database, writer, registry, replay, hub;
  latch done(5);
  start(ping_database(c, database), [&done](std::exception_ptr) { done.arrive(); });
  start_probe(c, a.writer, writer, done);
  start_probe(c, a.registry, registry, done);
  start_probe(c, a.replay, replay, done);
  start_probe(c, a.hub, hub, done);
  co_await done;
  // The writer answers with its own view of the database.
  if (writer.state == "ok" && field(writer.status, "state") != "ok")
    writer.state = "down";
  // The hub's status carries the broker's: "degraded" when other nodes are
  // unreachable through it (this node still serves its own connections).
  auto signaling = hub.state;
  if (signaling == "ok") {
    auto doc = nlohmann::json::parse(hub.status, nullptr, false);
    bool broker_ok = doc.is_object() && doc.contains("broker") && doc["broker"].is_object() &&
                     doc["broker"].value("state", "") == "ok";
    if (!broker_ok)
      signaling = "degraded";
  }
  std::optional<int64_t> online;
  if (registry.state == "ok")
    online = nlohmann::json::parse(registry.status).value("online", int64_t{0});
  co_return health::summarize({{"database", health::worst(database.state, writer.state)},
                               {"registry", registry.state},
                               {"signatures", replay.state},
                               {"signaling", signaling}},
                              online);
}

/// Concurrent health checks on one I/O thread share a round (http/rounds.hpp):
/// each answer still comes from probes that started after its request.
task<> health(const call& c) {
  thread_local rounds<health::verdict> per_thread;
  std::function<task<health::verdict>()> make = [&c] { return check_components(c); };
  auto verdict = co_await per_thread.join(make);
  if (!verdict)
    co_return send_error(c.res, ec::internal, "internal error");
  // Slow or degraded still answers 200: this node serves.
  c.res.status = verdict->http_status;
  c.res.set_content(verdict->body, "application/json");
}

}  // namespace

std::vector<route> health_routes() {
  return {{"GET", "/api/v1/health", access::open, health}};
}

}  // namespace tessera::http
