#pragma once
// Frames waiting for an offline agent (notification, bridge_message), held by
// the node where they were sent until the agent connects (on any node: the
// broker tells every node) or they expire. Bounded per agent and in total; a
// full queue refuses the new frame (the sender is told at once). Pure code.
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocol/signaling.hpp"

namespace tessera::signal {

/// Frame bytes held, per agent and per node, besides the frame counts: what
/// an agent is handed on connect must fit well inside a connection's send
/// queue (4 MiB; ws/session.cpp), and the whole queue in memory.
constexpr size_t max_agent_bytes = 1024 * 1024;
constexpr size_t max_total_bytes = 256 * 1024 * 1024;

class offline_queue {
public:
  offline_queue(size_t per_agent, int64_t max_age_ms, size_t total);

  enum push_result { queued, full };
  push_result push(signal_envelope e);  // e.at is when it was queued

  /// Everything queued for `agent_id` that hasn't expired, oldest first, and
  /// removes it; what had expired goes to `expired`.
  std::vector<signal_envelope> take(const std::string& agent_id, int64_t now_ms,
                                    std::vector<signal_envelope>& expired);
  /// Removes and returns every expired frame (a periodic sweep).
  std::vector<signal_envelope> expire(int64_t now_ms);

  size_t size() const { return total_size_; }
  size_t bytes() const { return total_bytes_; }
  size_t agents() const { return queues_.size(); }

private:
  size_t per_agent_;
  int64_t max_age_ms_;
  size_t total_;
  size_t total_size_ = 0;
  size_t total_bytes_ = 0;
  struct agent_queue {
    std::deque<signal_envelope> frames;
    size_t bytes = 0;
  };
  std::unordered_map<std::string, agent_queue> queues_;
};

}  // namespace tessera::signal
