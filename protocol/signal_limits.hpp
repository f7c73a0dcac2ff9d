#pragma once
// The per-connection limits of the signaling relay, as pure state machines
// with time passed in (ms), so tests control it.
#include <cstdint>
#include <string>
#include <unordered_map>

namespace tessera::signal {

/// Frames per connection: a token bucket (rate, burst). A refused frame is
/// answered with an error frame; `close` when the client keeps on: more than
/// `burst` frames refused within the last 10 seconds.
class frame_limiter {
public:
  frame_limiter(double per_sec, int burst);
  enum verdict { allow, refuse, close };
  verdict take(int64_t now_ms);

private:
  double rate_, burst_, tokens_;
  int64_t updated_ms_ = 0;
  int64_t refused_window_start_ = 0;
  int refused_in_window_ = 0;
};

/// relay_data payload bytes per connection: a token bucket of bytes.
class byte_limiter {
public:
  byte_limiter(double bytes_per_sec, double burst_bytes);
  bool take(size_t bytes, int64_t now_ms);  // false: refused, nothing taken

private:
  double rate_, burst_, tokens_;
  int64_t updated_ms_ = 0;
};

/// Relayed bytes per agent per UTC day (the hub keeps one per node). Memory:
/// one entry per agent that relayed today; a new day drops yesterday's.
class daily_quota {
public:
  explicit daily_quota(uint64_t bytes_per_day);
  bool charge(const std::string& agent_id, uint64_t bytes, int64_t now_ms);  // false: over
  uint64_t used(const std::string& agent_id, int64_t now_ms) const;

private:
  uint64_t limit_;
  int64_t day_ = -1;
  std::unordered_map<std::string, uint64_t> used_;
};

}  // namespace tessera::signal
