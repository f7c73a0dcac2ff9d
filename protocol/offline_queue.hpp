#pragma once
// Frames waiting for an offline agent (notification, bridge_message), held by
// the node where they were sent until the agent connects (on any node: the
// broker tells every node) or they expire. Bounded per agent, per sender and
// in total, and shared fairly, so a few senders (or many) can't keep another
// sender's frame out:
// - per sender, at most ten agents' worth of frames (and 4 MiB) on the node;
// - a full agent queue takes a new frame by dropping the oldest frame of the
//   sender holding the most there, if that sender holds more than the new
//   frame's sender would;
// - a full node takes a new frame by dropping the oldest frame of the sender
//   holding the most on the node, if that sender holds more than the new
//   frame's sender would.
// A refused or dropped frame's sender is told (by the caller). Pure code.
#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "protocol/signaling.hpp"

namespace tessera::signal {

/// Frame bytes held, per agent and per node, besides the frame counts: what
/// an agent is handed on connect must fit well inside a connection's send
/// queue (4 MiB; ws/session.cpp), and the whole queue in memory.
constexpr size_t max_agent_bytes = 1024 * 1024;
constexpr size_t max_total_bytes = 256 * 1024 * 1024;
constexpr size_t max_sender_bytes = 4 * 1024 * 1024;

class offline_queue {
public:
  offline_queue(size_t per_agent, int64_t max_age_ms, size_t total);

  enum push_result { queued, full };
  /// e.at is when it was queued. A frame dropped to make room (another
  /// sender's) goes to `dropped`, if given.
  push_result push(signal_envelope e, std::vector<signal_envelope>* dropped = nullptr);

  /// Everything queued for `agent_id` that hasn't expired, oldest first, and
  /// removes it; what had expired goes to `expired`.
  std::vector<signal_envelope> take(const std::string& agent_id, int64_t now_ms,
                                    std::vector<signal_envelope>& expired);
  /// Removes and returns every expired frame (a periodic sweep).
  std::vector<signal_envelope> expire(int64_t now_ms);

  size_t size() const { return total_size_; }
  size_t bytes() const { return total_bytes_; }
  size_t agents() const { return queues_.size(); }
  size_t sender_frames(const std::string& sender) const;
  size_t per_agent() const { return per_agent_; }
  size_t total() const { return total_; }

private:
  struct usage {
    size_t frames = 0;
    size_t bytes = 0;
    // (target, seq) of the sender's frames, oldest first; entries of frames
    // gone meanwhile are skipped, and compacted away as they pile up.
    std::deque<std::pair<std::string, uint64_t>> order;
  };
  struct queued_frame {
    signal_envelope e;
    uint64_t seq;
  };
  struct agent_queue {
    std::deque<queued_frame> frames;
    size_t bytes = 0;
  };
  void count(const queued_frame& f);
  void uncount(const queued_frame& f);
  /// Drops the oldest frame of `sender` (who holds some) into `dropped`.
  void drop_oldest_of(const std::string& sender, std::vector<signal_envelope>* dropped);
  size_t per_agent_;
  int64_t max_age_ms_;
  size_t total_;
  size_t total_size_ = 0;
  size_t total_bytes_ = 0;
  uint64_t next_seq_ = 0;
  std::unordered_map<std::string, agent_queue> queues_;
  std::unordered_map<std::string, usage> senders_;
  std::unordered_set<uint64_t> live_;                   // seqs of queued frames
  std::set<std::pair<size_t, std::string>> by_frames_;  // (frames, sender)
};

}  // namespace tessera::signal
