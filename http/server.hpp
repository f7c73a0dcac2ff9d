#pragma once
// The asynchronous front: server.http_threads I/O workers, the listener on
// server.http_addr (REST, SSE and the signaling WebSocket), the optional
// signaling-only listener on signaling.ws_addr, and the connection counts.
// Handlers run on the workers and ask actors without blocking (http/ask.hpp).
#include <caf/fwd.hpp>

#include <memory>
#include <string>

#include "actors/node.hpp"
#include "config/settings.hpp"

namespace tessera::http {

class server {
public:
  server(caf::actor_system& sys, const config::settings& s, node_actors actors);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds server.http_addr (and signaling.ws_addr when set). Returns the
  /// HTTP port, or -1 with `why` naming the key.
  int bind(std::string& why);
  /// The bound signaling.ws_addr port, or 0 when there is no such listener.
  int signaling_port() const;
  /// Starts the workers and accepting; returns at once.
  void start();
  /// Stops accepting; closes idle connections at once, ends streams with a
  /// final `shutdown` event and WebSockets with 1001, lets answers in progress
  /// finish (up to server.request_timeout), then stops the workers.
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tessera::http
