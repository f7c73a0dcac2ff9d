#pragma once
// One signaling WebSocket connection: takes the upgrade request the HTTP front
// read (http/connection), refuses it beyond signaling.max_connections (503) or
// accepts it, spawns its signaling_peer, forwards each text frame to it and
// writes what the peer sends through a bounded queue. Every handler runs on the
// connection's executor (one I/O thread); the frame_sink posts to it.
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "actors/node.hpp"
#include "actors/signaling_peer.hpp"
#include "config/settings.hpp"
#include "ws/post_gate.hpp"

namespace tessera::ws {

class session;

/// What the sessions of one server share; outlives them.
struct session_env {
  session_env(caf::actor_system& sys, const config::settings& cfg, node_actors actors,
              signaling_peer_config peer_cfg)
      : sys(sys), cfg(cfg), actors(std::move(actors)), peer_cfg(std::move(peer_cfg)) {}

  caf::actor_system& sys;
  const config::settings& cfg;
  node_actors actors;
  signaling_peer_config peer_cfg;
  std::shared_ptr<post_gate> gate = std::make_shared<post_gate>();

  std::atomic<int> live{0};  // upgraded connections, counted against max_connections
  std::mutex m;  // guards `sessions` and `stopping`; `idle` is signalled when live reaches 0
  std::condition_variable idle;
  std::unordered_map<const session*, std::weak_ptr<session>> sessions;
  bool stopping = false;  // set when the server stops: a handshake finishing later closes 1001
  // Connections not yet authenticated, per client address (limits::address_key):
  // at most signaling.max_unauthenticated_per_address each.
  std::mutex unauthenticated_m;
  std::unordered_map<std::string, int> unauthenticated;
};

class session : public std::enable_shared_from_this<session> {
public:
  session(boost::asio::ip::tcp::socket socket, session_env& env);
  ~session();

  /// Answers the upgrade `req` (a GET of the signaling path) from the client
  /// whose address counts as `client_key` (limits::address_key).
  void start(boost::beast::http::request<boost::beast::http::string_body> req,
             std::string client_key);
  /// The peer authenticated (on the connection's thread).
  void authenticated();
  /// Both on the connection's thread (post them there).
  void send(std::string text);
  void close(uint16_t code, std::string reason);
  boost::asio::any_io_executor executor() { return ws_.get_executor(); }

private:
  void refuse(boost::beast::http::status status, const std::string& body);
  void accept();
  void on_accept(boost::beast::error_code e);
  void read();
  void on_read(boost::beast::error_code e);
  void write_next();
  void finish();
  bool admit_unauthenticated();
  void release_unauthenticated();

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  boost::beast::http::request<boost::beast::http::string_body> req_;  // until it is answered
  session_env& env_;
  signaling_peer_actor peer_;
  std::deque<std::string> queue_;  // queue_.front() is being written while writing_
  size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;  // a close was asked for: no more frames in or out
  std::string client_key_;
  bool unauthenticated_ = false;  // counted in env_.unauthenticated
  std::optional<std::pair<uint16_t, std::string>> close_after_queue_;
  bool counted_ = false;  // holds one of env_.live
  bool finished_ = false;
};

}  // namespace tessera::ws
