#pragma once
// The HTTP connections of one node, counted: every accepted socket takes a
// place in rate_limit.max_connections and in its address's
// rate_limit.max_connections_per_address (peers that are trusted proxies are
// not counted per address: everyone comes through them), idle ones included,
// until it closes or becomes a WebSocket (counted by signaling then). The list
// of open connections is what shutdown walks.
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "http/context.hpp"
#include "ws/session.hpp"

namespace tessera::http {

class connection;

class connections {
public:
  connections(const context& ctx, ws::session_env& ws) : ctx(ctx), ws(ws) {}

  /// Takes a place for a socket from `peer`; false (nothing taken) when a
  /// limit is reached, with the message for the 503.
  bool admit(const std::string& peer, std::string& why);
  /// Gives the place back.
  void release(const std::string& peer);

  void add(connection* c, std::weak_ptr<connection> w);
  void remove(connection* c);
  /// Every open connection, for shutdown.
  std::vector<std::shared_ptr<connection>> all();
  /// Waits until no connection is left, or `limit` passed; true when none is.
  bool wait_all_closed(std::chrono::milliseconds limit);
  int open() const { return open_.load(); }

  const context& ctx;
  ws::session_env& ws;
  // Counters, for status and logs.
  std::atomic<uint64_t> accepted{0}, turned_away{0}, streams_cut_off{0};
  std::atomic<int> refusing{0};  // turned-away sockets still being answered

private:
  bool per_address(const std::string& peer) const;

  std::atomic<int> open_{0};
  std::mutex m_;
  std::condition_variable idle_;
  std::unordered_map<std::string, int> by_address_;
  std::unordered_map<connection*, std::weak_ptr<connection>> list_;
};

}  // namespace tessera::http
