#pragma once
// The state machine of `tessera connect`: one signaling connection held open,
// re-established with exponential backoff and full jitter, up to a retry
// limit. Pure code: events in, state and delays out; the CLI does the I/O.
//
//   standby --start--> connecting --ready--> ready --lost--> reconnecting
//   connecting | reconnecting --failed--> retry_backoff (attempts < limit)
//                                        | connection_failed (limit reached)
//   retry_backoff --elapsed--> connecting (never ready yet) | reconnecting
//   any --fatal--> connection_failed   (bad signature, unknown agent: retrying can't help)
//   any --replaced | stop--> closed    (another connection took over; the user stopped)
#include <cstdint>
#include <random>
#include <string>

namespace tessera::signal {

enum class conn_state { standby, connecting, ready, retry_backoff, reconnecting, connection_failed, closed };
enum class conn_event { start, ready, failed, lost, elapsed, fatal, replaced, stop };

const char* to_string(conn_state s);
const char* to_string(conn_event e);

struct backoff_policy {
  int64_t base_ms = 500;
  int64_t max_ms = 30'000;
  int max_retries = 10;  // failed attempts in a row before connection_failed
};

/// The upper end of the delay after `failures` failed attempts in a row:
/// min(max, base * 2^(failures-1)).
int64_t backoff_cap_ms(const backoff_policy& p, int failures);

class connect_machine {
public:
  explicit connect_machine(backoff_policy p, uint64_t seed = std::random_device{}());

  conn_state state() const { return state_; }
  /// Applies `e`; returns the new state (unchanged if `e` means nothing here).
  conn_state on(conn_event e);
  /// In retry_backoff: how long to wait, uniform in [0, min(max, base * 2^(attempts-1))].
  int64_t delay_ms() const { return delay_ms_; }
  int failures() const { return failures_; }  // failed attempts in a row
  bool terminal() const;  // connection_failed or closed

private:
  backoff_policy policy_;
  std::mt19937_64 rng_;
  conn_state state_ = conn_state::standby;
  bool was_ready_ = false;
  int failures_ = 0;
  int64_t delay_ms_ = 0;
};

/// How a close code from the server is taken: fatal (4400, 4401, 4403, 4404),
/// replaced (4409), anything else lost/failed.
conn_event event_for_close(uint16_t code, bool was_ready);

}  // namespace tessera::signal
