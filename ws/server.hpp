#pragma once
// The signaling WebSocket acceptor (Boost.Beast): listens on
// signaling.ws_addr, upgrades GET /api/v1/signaling (anything else: 404, or
// 426 without an upgrade), refuses beyond signaling.max_connections (503),
// and gives each connection a signaling_peer actor. Frames in are sent to the
// actor; frames out are queued on the connection's strand (a client that
// doesn't read is closed once its queue passes a bound). Beast enforces the
// frame size (signaling.max_frame_bytes: close 1009) and the idle keepalive
// (pings; signaling.idle_timeout). Its own threads, not the actor scheduler's.
#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "actors/node.hpp"
#include "config/settings.hpp"

namespace tessera::ws {

class server {
public:
  server(caf::actor_system& sys, const config::settings& s, node_actors actors);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds signaling.ws_addr; returns the bound port, or -1 with `why` set.
  int bind(std::string& why);
  /// Serves on its own threads; returns at once.
  void start();
  /// Closes every connection (1001 going away) and joins the threads.
  void stop();
  size_t connections() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tessera::ws
