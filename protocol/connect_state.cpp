#include "protocol/connect_state.hpp"

#include <algorithm>

#include "protocol/signal_frame.hpp"

namespace tessera::signal {

const char* to_string(conn_state s) {
  switch (s) {
    case conn_state::standby: return "standby";
    case conn_state::connecting: return "connecting";
    case conn_state::ready: return "ready";
    case conn_state::retry_backoff: return "retry_backoff";
    case conn_state::reconnecting: return "reconnecting";
    case conn_state::connection_failed: return "connection_failed";
    case conn_state::closed: return "closed";
  }
  return "?";
}

const char* to_string(conn_event e) {
  switch (e) {
    case conn_event::start: return "start";
    case conn_event::ready: return "ready";
    case conn_event::failed: return "failed";
    case conn_event::lost: return "lost";
    case conn_event::elapsed: return "elapsed";
    case conn_event::fatal: return "fatal";
    case conn_event::replaced: return "replaced";
    case conn_event::stop: return "stop";
  }
  return "?";
}

int64_t backoff_cap_ms(const backoff_policy& p, int failures) {
  // Doubling stops at the maximum, so it can't overflow.
  int64_t cap = std::max<int64_t>(p.base_ms, 0);
  for (int i = 1; i < failures && cap < p.max_ms; ++i) cap *= 2;
  return std::max<int64_t>(std::min(cap, p.max_ms), 0);
}

connect_machine::connect_machine(backoff_policy p, uint64_t seed) : policy_(p), rng_(seed) {}

bool connect_machine::terminal() const {
  return state_ == conn_state::connection_failed || state_ == conn_state::closed;
}

conn_state connect_machine::on(conn_event e) {
  if (terminal())
    return state_;
  using s = conn_state;
  switch (e) {
    case conn_event::fatal:
      state_ = s::connection_failed;
      break;
    case conn_event::replaced:
    case conn_event::stop:
      state_ = s::closed;
      break;
    case conn_event::start:
      if (state_ == s::standby)
        state_ = s::connecting;
      break;
    case conn_event::ready:
      if (state_ == s::connecting || state_ == s::reconnecting) {
        state_ = s::ready;
        was_ready_ = true;
        failures_ = 0;
      }
      break;
    case conn_event::lost:
      // Straight back: the connection worked a moment ago, so the first
      // attempt goes out at once; backoff starts if that one fails.
      if (state_ == s::ready)
        state_ = s::reconnecting;
      break;
    case conn_event::failed:
      if (state_ == s::connecting || state_ == s::reconnecting) {
        ++failures_;
        if (failures_ >= policy_.max_retries) {
          state_ = s::connection_failed;
        } else {
          delay_ms_ =
              std::uniform_int_distribution<int64_t>(0, backoff_cap_ms(policy_, failures_))(rng_);
          state_ = s::retry_backoff;
        }
      }
      break;
    case conn_event::elapsed:
      if (state_ == s::retry_backoff)
        state_ = was_ready_ ? s::reconnecting : s::connecting;
      break;
  }
  return state_;
}

conn_event event_for_close(uint16_t code, bool was_ready) {
  switch (code) {
    case close_code::bad_auth_frame:
    case close_code::bad_signature:
    case close_code::deregistered:
    case close_code::unknown_agent:
      return conn_event::fatal;
    case close_code::replaced:
      return conn_event::replaced;
    default:
      return was_ready ? conn_event::lost : conn_event::failed;
  }
}

}  // namespace tessera::signal
