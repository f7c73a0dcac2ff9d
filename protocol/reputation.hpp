#pragma once
// The reputation score as pure math: no I/O, no clock (times are passed in,
// milliseconds since the epoch), so the actor stays thin and every score can be
// recomputed from its event log.
//
// Each event has a value v in [0,1] and a weight w > 0; it moves the score s by
//   s <- s + min(1, alpha * w) * (v - s)
// after the score has decayed toward the prior over the time since the last
// event: prior + (s - prior) * 2^(-gap / half_life).
//
// Default values and weights (alpha 0.1), and why:
//   registered            0.5 / 1    neutral: it only counts toward trusted_min_events
//   heartbeat_kept        1   / 0.1  credited once an hour; uptime is real evidence but
//                                    slow (a verified agent with no calls needs ~2.6
//                                    days online to reach 0.8), and it outweighs decay
//                                    (online-only equilibrium ~0.96), so an idle, healthy
//                                    agent keeps its badge
//   heartbeat_missed      0   / 0.5  one per lapse: -5% of the score
//   verification_passed   1   / 3    costly to fake (needs the key and the endpoint):
//                                    0.5 -> 0.65 in one step; not credited again
//                                    until a failure came between
//   verification_failed   0   / 2    the endpoint doesn't hold the key, or is down
//   call_success          1   / 0.5  calls are frequent, so each counts for little
//   call_error            0   / 1    failures weigh double successes: staying above
//   call_timeout          0   / 0.75 0.8 needs about 89% success (fixed point p/(2-p));
//                                    a timeout may be the network's fault, so it weighs less
//   review_positive       1   / 1.5  rare and human, but accounts are cheap, so not more
//   review_negative       0   / 1.5
// With these, a verified agent reaches Trusted after 11 successful calls (score
// 0.80, 13 events), a Trusted agent at 0.92 (30 successes) loses it after two errors in a row,
// and one failing a third of its calls never gets there
// (tests/unit/reputation.cpp simulates each).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "config/settings.hpp"

namespace tessera::reputation {

enum class event_kind {
  registered,
  heartbeat_kept,
  heartbeat_missed,
  verification_passed,
  verification_failed,
  call_success,
  call_error,
  call_timeout,
  review_positive,
  review_negative,
};

inline constexpr size_t event_kind_count = 10;

/// Every kind, in declaration order (for iterating and for config names).
extern const std::array<event_kind, event_kind_count> all_event_kinds;

/// The snake_case name ("call_error"), as stored in logs and config.
std::string_view to_string(event_kind kind);
std::optional<event_kind> parse_event_kind(std::string_view name);

struct event_params {
  double value;   // in [0,1]: where the event pulls the score
  double weight;  // > 0: how hard
};

enum class tier { low, normal, high };
std::string_view to_string(tier t);

inline constexpr int64_t hour_ms = 3'600'000;

struct reputation_params {
  double alpha = 0.1;
  double prior = 0.5;  // where new agents start and every score decays to
  int64_t half_life_ms = 720 * hour_ms;
  // An agent earns nothing by beating faster than this.
  int64_t heartbeat_credit_interval_ms = hour_ms;
  // Tiers: high from 0.8 (where Trusted starts, so the badge is never shown on a
  // normal score); low below 0.4, i.e. three errors in a row from the prior (0.36).
  double high_tier_min = 0.8;
  double low_tier_below = 0.4;
  double trusted_min_score = 0.8;
  int64_t trusted_min_events = 10;
  // Indexed by event_kind; see the table at the top of this file.
  std::array<event_params, event_kind_count> events = {{
      {0.5, 1},    // registered
      {1, 0.1},    // heartbeat_kept
      {0, 0.5},    // heartbeat_missed
      {1, 3},      // verification_passed
      {0, 2},      // verification_failed
      {1, 0.5},    // call_success
      {0, 1},      // call_error
      {0, 0.75},   // call_timeout
      {1, 1.5},    // review_positive
      {0, 1.5},    // review_negative
  }};

  const event_params& of(event_kind kind) const { return events[static_cast<size_t>(kind)]; }
};

/// Operators set alpha, the half-life, trusted_min_events and the weights; the
/// values are fixed because they say what an event means (a failure is 0).
/// Weight names that are not event kinds are ignored (the loader rejects them).
reputation_params params_from(const config::reputation_settings& settings);

/// "No heartbeat credited yet".
inline constexpr int64_t never = INT64_MIN;

struct score_state {
  double score = 0.5;
  // Time of the last credited event. 0 for a new agent: decaying the prior
  // toward itself changes nothing, so no sentinel is needed here.
  int64_t updated_at = 0;
  int64_t events = 0;  // credited events
  int64_t last_heartbeat_credit = never;
  // The last credited verification event was a pass: another pass is not
  // credited until a failure came between, so re-verifying (or switching the
  // card's url back and forth) can't farm score, while an agent that failed
  // and fixed its endpoint earns the pass back. (Failing and passing in turn
  // settles near 0.68, below Trusted.)
  bool pass_credited = false;
};

/// A new agent's state: the prior, nothing credited.
score_state initial_state(const reputation_params& params);

/// `score` decayed from `last_ms` to `now_ms`. A negative gap (clocks, or events
/// logged out of order) counts as zero: time never undoes decay or adds to it.
double decayed(double score, int64_t last_ms, int64_t now_ms, const reputation_params& params);

/// The score to show at `now_ms` (the stored one is as of updated_at).
double current_score(const score_state& state, int64_t now_ms, const reputation_params& params);

/// Whether a heartbeat at `at_ms` is credited, given the last credited one.
bool heartbeat_credited(int64_t last_credit_ms, int64_t at_ms, const reputation_params& params);

struct applied {
  score_state state;  // after; equal to the state before when not credited
  double score_before;  // decayed to the event's time
  double score_after;
  bool credited;  // false for a heartbeat within the credit interval or a repeated pass
};

/// One event: decay to `at_ms` (never backwards), then move toward the event's
/// value. Not credited: a heartbeat within the credit interval, a pass right
/// after a credited pass (score_state::pass_credited).
applied apply(const score_state& state, event_kind kind, int64_t at_ms,
              const reputation_params& params);

struct logged_event {
  event_kind kind;
  int64_t at_ms;
};

/// The state after `log`, from a new agent: exactly apply() folded over the log,
/// so a replay equals the live score bit for bit.
score_state replay(std::span<const logged_event> log, const reputation_params& params);

tier tier_of(double score, const reputation_params& params);

/// A sort key for the score at *any* time, fixed until the next event, so the
/// directory can sort and page by the current score in SQL. With d = score -
/// prior, the score at time t is prior + d * 2^-((t - updated_at) / half_life):
/// its order between agents is the order of (sign d, sign d * (log2|d| +
/// updated_at / half_life)). cls is 1, 0 or -1; order by (cls, mag) descending.
/// It depends on the prior and the half-life: when either changes, every
/// stored key must be recomputed (storage::scores::ensure_rank).
struct rank_key {
  int32_t cls = 0;
  double mag = 0;
};

rank_key rank_of(const score_state& state, const reputation_params& params);

/// The smallest rank key whose score at `now_ms` is at least `min_score`
/// (in [0, 1]): score(now) >= min_score exactly when (cls, mag) >= the bound.
rank_key min_score_bound(double min_score, int64_t now_ms, const reputation_params& params);

/// The Trusted badge; `score` should be current_score() at the time of asking.
bool trusted(bool verified, double score, int64_t events, const reputation_params& params);

}  // namespace tessera::reputation
