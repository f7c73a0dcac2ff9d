#include "http/server.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <optional>
#include <vector>

#include "http/connection.hpp"
#include "http/connections.hpp"
#include "http/io_worker.hpp"
#include "http/limits.hpp"
#include "http/listener.hpp"
#include "protocol/signal_frame.hpp"
#include "ws/session.hpp"

namespace tessera::http {

namespace {

// How long stop() waits for WebSockets to answer their 1001 close.
constexpr auto ws_close_wait = std::chrono::seconds(5);
// What a stream's client is told when the server stops.
constexpr const char* shutdown_event = "event: shutdown\ndata: {\"reason\":\"server stopping\"}\n\n";

}  // namespace

struct server::impl {
  impl(caf::actor_system& sys, const config::settings& s, node_actors a)
      : cfg(s),
        limiter(s),
        ctx{sys, s, a, &limiter},
        ws_env(sys, s, a,
               signaling_peer_config{s.signaling, s.registry.heartbeat_interval,
                                     s.server.request_timeout}),
        all(ctx, ws_env) {
    for (int i = 0; i < std::max(1, s.server.http_threads); ++i)
      workers.push_back(std::make_unique<io_worker>(sys));
    std::vector<io_worker*> raw;
    for (auto& w : workers)
      raw.push_back(w.get());
    main.emplace(raw, all, false);
    if (s.signaling.enabled && !s.signaling.ws_addr.empty())
      signaling.emplace(raw, all, true);
  }

  const config::settings& cfg;
  limits limiter;
  context ctx;
  ws::session_env ws_env;
  connections all;
  std::vector<std::unique_ptr<io_worker>> workers;
  std::optional<listener> main;
  std::optional<listener> signaling;
  int signaling_port = 0;
  bool started = false, stopped = false;
};

server::server(caf::actor_system& sys, const config::settings& s, node_actors actors)
    : impl_(std::make_unique<impl>(sys, s, std::move(actors))) {}

server::~server() {
  stop();
}

int server::bind(std::string& why) {
  raise_fd_limit();
  auto& d = *impl_;
  int port = d.main->bind(d.cfg.server.http_addr, why);
  if (port < 0) {
    why = "server.http_addr: " + why;
    return -1;
  }
  if (d.signaling) {
    d.signaling_port = d.signaling->bind(d.cfg.signaling.ws_addr, why);
    if (d.signaling_port < 0) {
      why = "signaling.ws_addr: " + why;
      return -1;
    }
  }
  return port;
}

int server::signaling_port() const {
  return impl_->signaling_port;
}

void server::start() {
  auto& d = *impl_;
  d.started = true;
  for (auto& w : d.workers)
    w->start();
  d.main->start();
  if (d.signaling)
    d.signaling->start();
}

void server::stop() {
  auto& d = *impl_;
  if (d.stopped)
    return;
  d.stopped = true;
  if (d.started) {
    d.main->stop();
    if (d.signaling)
      d.signaling->stop();
    for (auto& c : d.all.all())
      c->worker().post([c] { c->shut_down(shutdown_event); });
    std::vector<std::shared_ptr<ws::session>> sessions;
    {
      std::lock_guard lock(d.ws_env.m);
      d.ws_env.stopping = true;
      for (auto& [_, weak] : d.ws_env.sessions)
        if (auto s = weak.lock())
          sessions.push_back(std::move(s));
    }
    for (auto& s : sessions)
      boost::asio::post(s->executor(),
                        [s] { s->close(signal::close_code::going_away, "server stopping"); });
    sessions.clear();
    {
      std::unique_lock lock(d.ws_env.m);
      d.ws_env.idle.wait_for(lock, ws_close_wait, [&] { return d.ws_env.live.load() == 0; });
    }
    if (!d.all.wait_all_closed(d.cfg.server.request_timeout + std::chrono::seconds(1)))
      spdlog::warn("http: stopping with {} connections still open", d.all.open());
  }
  {
    // Sinks held by actors must not post into stopped workers.
    std::unique_lock lock(d.ws_env.gate->m);
    d.ws_env.gate->open = false;
  }
  for (auto& w : d.workers)
    w->stop();
}

}  // namespace tessera::http
