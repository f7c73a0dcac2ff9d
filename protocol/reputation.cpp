#include "protocol/reputation.hpp"

#include <algorithm>
#include <cmath>

namespace tessera::reputation {

namespace {

// Indexed by event_kind.
constexpr std::array<std::string_view, event_kind_count> event_names = {
    "registered",          "heartbeat_kept", "heartbeat_missed", "verification_passed",
    "verification_failed", "call_success",   "call_error",       "call_timeout",
    "review_positive",     "review_negative",
};

}  // namespace

const std::array<event_kind, event_kind_count> all_event_kinds = {
    event_kind::registered,          event_kind::heartbeat_kept,
    event_kind::heartbeat_missed,    event_kind::verification_passed,
    event_kind::verification_failed, event_kind::call_success,
    event_kind::call_error,          event_kind::call_timeout,
    event_kind::review_positive,     event_kind::review_negative,
};

std::string_view to_string(event_kind kind) { return event_names[static_cast<size_t>(kind)]; }

std::optional<event_kind> parse_event_kind(std::string_view name) {
  auto found = std::find(event_names.begin(), event_names.end(), name);
  if (found == event_names.end()) return std::nullopt;
  return all_event_kinds[static_cast<size_t>(found - event_names.begin())];
}

std::string_view to_string(tier t) {
  switch (t) {
    case tier::low: return "low";
    case tier::normal: return "normal";
    case tier::high: return "high";
  }
  return "normal";
}

reputation_params params_from(const config::reputation_settings& settings) {
  reputation_params params;
  params.alpha = settings.alpha;
  params.half_life_ms = settings.half_life.count();
  params.trusted_min_events = settings.trusted_min_events;
  for (const auto& [name, weight] : settings.weights)
    if (auto kind = parse_event_kind(name))
      params.events[static_cast<size_t>(*kind)].weight = weight;
  return params;
}

score_state initial_state(const reputation_params& params) {
  return {.score = params.prior, .updated_at = 0, .events = 0, .last_heartbeat_credit = never};
}

double decayed(double score, int64_t last_ms, int64_t now_ms, const reputation_params& params) {
  if (now_ms <= last_ms) return score;
  // The gap as a double: exact for any gap under 2^53 ms (285,000 years).
  double half_lives =
      static_cast<double>(now_ms - last_ms) / static_cast<double>(params.half_life_ms);
  return params.prior + (score - params.prior) * std::exp2(-half_lives);
}

double current_score(const score_state& state, int64_t now_ms, const reputation_params& params) {
  return decayed(state.score, state.updated_at, now_ms, params);
}

bool heartbeat_credited(int64_t last_credit_ms, int64_t at_ms, const reputation_params& params) {
  if (last_credit_ms == never) return true;
  // An earlier or equal time is within the interval too (and at - last can't overflow then).
  return at_ms > last_credit_ms && at_ms - last_credit_ms >= params.heartbeat_credit_interval_ms;
}

applied apply(const score_state& state, event_kind kind, int64_t at_ms,
              const reputation_params& params) {
  double before = current_score(state, at_ms, params);
  if ((kind == event_kind::heartbeat_kept &&
       !heartbeat_credited(state.last_heartbeat_credit, at_ms, params)) ||
      (kind == event_kind::verification_passed && state.pass_credited))
    return {.state = state, .score_before = before, .score_after = before, .credited = false};

  const event_params& event = params.of(kind);
  double step = std::min(1.0, params.alpha * event.weight);
  score_state after = state;
  after.score = before + step * (event.value - before);
  // Time only moves forward, so a late event can't make the next gap (and its decay) longer.
  after.updated_at = std::max(state.updated_at, at_ms);
  after.events = state.events + 1;
  if (kind == event_kind::heartbeat_kept) after.last_heartbeat_credit = at_ms;
  if (kind == event_kind::verification_passed) after.pass_credited = true;
  if (kind == event_kind::verification_failed) after.pass_credited = false;
  return {.state = after, .score_before = before, .score_after = after.score, .credited = true};
}

score_state replay(std::span<const logged_event> log, const reputation_params& params) {
  score_state state = initial_state(params);
  for (const auto& event : log) state = apply(state, event.kind, event.at_ms, params).state;
  return state;
}

tier tier_of(double score, const reputation_params& params) {
  if (score >= params.high_tier_min) return tier::high;
  if (score < params.low_tier_below) return tier::low;
  return tier::normal;
}

bool trusted(bool verified, double score, int64_t events, const reputation_params& params) {
  return verified && score >= params.trusted_min_score && events >= params.trusted_min_events;
}

rank_key rank_of(const score_state& state, const reputation_params& params) {
  double d = state.score - params.prior;
  if (d == 0)
    return {0, 0};
  // log2 of the distance from the prior, as if it had decayed from time 0:
  // later events weigh more, exactly as much as decay since then takes away.
  double mag = std::log2(std::abs(d)) +
               static_cast<double>(state.updated_at) / static_cast<double>(params.half_life_ms);
  return d > 0 ? rank_key{1, mag} : rank_key{-1, -mag};
}

rank_key min_score_bound(double min_score, int64_t now_ms, const reputation_params& params) {
  double d = min_score - params.prior;
  if (d == 0)
    return {0, 0};
  double mag = std::log2(std::abs(d)) +
               static_cast<double>(now_ms) / static_cast<double>(params.half_life_ms);
  return d > 0 ? rank_key{1, mag} : rank_key{-1, -mag};
}

}  // namespace tessera::reputation
