#include "protocol/reputation.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstring>
#include <random>
#include <algorithm>
#include <vector>

using namespace tessera::reputation;

namespace {

constexpr int64_t minute_ms = 60'000;
constexpr int64_t day_ms = 24 * hour_ms;
constexpr int64_t t0 = 1'700'000'000'000;  // an ordinary epoch time

const reputation_params defaults;

// Applies `kind` at `at_ms` and returns the new state (asserting it was credited).
score_state then(const score_state& state, event_kind kind, int64_t at_ms,
                 const reputation_params& params = defaults) {
  auto result = apply(state, kind, at_ms, params);
  BOOST_TEST(result.credited);
  return result.state;
}

// Registered, then verified: where every well-behaved trajectory starts.
score_state verified_newcomer(int64_t at_ms) {
  score_state state = then(initial_state(defaults), event_kind::registered, at_ms);
  return then(state, event_kind::verification_passed, at_ms + minute_ms);
}

bool trusted_now(const score_state& state, int64_t now_ms) {
  return trusted(true, current_score(state, now_ms, defaults), state.events, defaults);
}

// Bit-for-bit equality, which == on doubles is not quite (0.0 == -0.0).
bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool same_state(const score_state& a, const score_state& b) {
  return same_bits(a.score, b.score) && a.updated_at == b.updated_at && a.events == b.events &&
         a.last_heartbeat_credit == b.last_heartbeat_credit;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(reputation)

BOOST_AUTO_TEST_CASE(event_names_round_trip) {
  for (auto kind : all_event_kinds) BOOST_TEST((parse_event_kind(to_string(kind)) == kind));
  BOOST_TEST(to_string(event_kind::call_timeout) == "call_timeout");
  BOOST_TEST(!parse_event_kind("call_failed"));
  BOOST_TEST(!parse_event_kind(""));
  BOOST_TEST(to_string(tier::high) == "high");
  BOOST_TEST(to_string(tier::low) == "low");
}

BOOST_AUTO_TEST_CASE(default_values_and_weights_are_in_range) {
  for (auto kind : all_event_kinds) {
    BOOST_TEST((defaults.of(kind).value >= 0 && defaults.of(kind).value <= 1), to_string(kind));
    BOOST_TEST(defaults.of(kind).weight > 0, to_string(kind));
  }
}

BOOST_AUTO_TEST_CASE(new_agents_start_at_the_prior) {
  auto state = initial_state(defaults);
  BOOST_TEST(state.score == 0.5);
  BOOST_TEST(state.events == 0);
  // Decaying the prior toward itself over any time is exact.
  BOOST_TEST(same_bits(current_score(state, t0, defaults), 0.5));
  BOOST_TEST((tier_of(state.score, defaults) == tier::normal));
}

BOOST_AUTO_TEST_CASE(scores_converge_toward_the_events_value) {
  auto up = initial_state(defaults);
  auto down = initial_state(defaults);
  for (int n = 1; n <= 200; ++n) {
    auto next_up = then(up, event_kind::call_success, t0);
    auto next_down = then(down, event_kind::call_error, t0);
    BOOST_TEST(next_up.score > up.score);
    BOOST_TEST(next_down.score < down.score);
    up = next_up;
    down = next_down;
    // Each success closes 5% of the distance to 1, each error 10% of the distance to 0.
    BOOST_TEST(std::abs((1 - up.score) - 0.5 * std::pow(0.95, n)) < 1e-12);
    BOOST_TEST(std::abs(down.score - 0.5 * std::pow(0.9, n)) < 1e-12);
  }
  BOOST_TEST(up.score <= 1.0);
  BOOST_TEST(down.score >= 0.0);
  BOOST_TEST(up.events == 200);
}

BOOST_AUTO_TEST_CASE(alpha_times_weight_is_capped_at_one) {
  reputation_params params;
  params.alpha = 0.5;  // verification_passed: 0.5 * 3 = 1.5, capped to 1
  auto result = apply(initial_state(params), event_kind::verification_passed, t0, params);
  BOOST_TEST(result.score_after == 1.0);  // lands on the value, no overshoot
  result = apply(result.state, event_kind::verification_failed, t0, params);  // 0.5 * 2 = 1
  BOOST_TEST(result.score_after == 0.0);
  params.alpha = 1;
  params.events[static_cast<size_t>(event_kind::call_success)].weight = 100;
  result = apply(initial_state(params), event_kind::call_success, t0, params);
  BOOST_TEST(result.score_after == 1.0);
}

BOOST_AUTO_TEST_CASE(decay_halves_the_distance_to_the_prior_each_half_life) {
  int64_t half_life = defaults.half_life_ms;
  BOOST_TEST(std::abs(decayed(0.9, t0, t0 + half_life, defaults) - 0.7) < 1e-12);
  BOOST_TEST(std::abs(decayed(0.1, t0, t0 + half_life, defaults) - 0.3) < 1e-12);
  BOOST_TEST(std::abs(decayed(0.9, t0, t0 + 2 * half_life, defaults) - 0.6) < 1e-12);
  BOOST_TEST(decayed(0.9, t0, t0, defaults) == 0.9);
  // It is the configured half-life that counts.
  reputation_params fast;
  fast.half_life_ms = hour_ms;
  BOOST_TEST(std::abs(decayed(1.0, t0, t0 + hour_ms, fast) - 0.75) < 1e-12);
}

BOOST_AUTO_TEST_CASE(lazy_decay_equals_stepwise_decay) {
  double lazy = decayed(0.95, t0, t0 + 10 * day_ms, defaults);
  double stepwise = 0.95;
  for (int64_t t = t0; t < t0 + 10 * day_ms; t += hour_ms)
    stepwise = decayed(stepwise, t, t + hour_ms, defaults);
  BOOST_TEST(std::abs(lazy - stepwise) < 1e-12);
}

BOOST_AUTO_TEST_CASE(an_event_decays_the_score_to_its_time_first) {
  score_state state{.score = 0.9, .updated_at = t0, .events = 5, .last_heartbeat_credit = never};
  auto result = apply(state, event_kind::call_error, t0 + defaults.half_life_ms, defaults);
  BOOST_TEST(std::abs(result.score_before - 0.7) < 1e-12);
  BOOST_TEST(std::abs(result.score_after - 0.63) < 1e-12);  // 0.7 + 0.1 * (0 - 0.7)
  BOOST_TEST(result.state.updated_at == t0 + defaults.half_life_ms);
  BOOST_TEST(result.state.events == 6);
}

BOOST_AUTO_TEST_CASE(a_pass_is_credited_again_only_after_a_failure) {
  auto s = initial_state(defaults);
  auto first = apply(s, event_kind::verification_passed, t0, defaults);
  BOOST_TEST(first.credited);
  BOOST_TEST(first.state.pass_credited);
  // Passing again (a re-verification, or a url switched away and back) earns nothing.
  auto again = apply(first.state, event_kind::verification_passed, t0 + 1, defaults);
  BOOST_TEST(!again.credited);
  BOOST_TEST(again.state.events == first.state.events);
  // A failure counts, and then a pass is earned back.
  auto failed = apply(first.state, event_kind::verification_failed, t0 + 2, defaults);
  BOOST_TEST(failed.credited);
  BOOST_TEST(!failed.state.pass_credited);
  BOOST_TEST(apply(failed.state, event_kind::verification_passed, t0 + 3, defaults).credited);
  // Failing and passing in turn never reaches Trusted.
  auto cycling = initial_state(defaults);
  for (int i = 0; i < 200; ++i) {
    cycling = apply(cycling, event_kind::verification_passed, t0 + 2 * i, defaults).state;
    cycling = apply(cycling, event_kind::verification_failed, t0 + 2 * i + 1, defaults).state;
    BOOST_TEST(current_score(cycling, t0 + 2 * i + 1, defaults) < defaults.trusted_min_score);
  }
  // And the rule replays: the log of credited events folds to the same state.
  std::vector<logged_event> log{{event_kind::verification_passed, t0},
                                {event_kind::verification_failed, t0 + 2}};
  BOOST_TEST(replay(log, defaults).pass_credited == failed.state.pass_credited);
}

BOOST_AUTO_TEST_CASE(heartbeats_are_credited_at_most_once_per_hour) {
  BOOST_TEST(heartbeat_credited(never, t0, defaults));
  BOOST_TEST(!heartbeat_credited(t0, t0, defaults));
  BOOST_TEST(!heartbeat_credited(t0, t0 + hour_ms - 1, defaults));
  BOOST_TEST(heartbeat_credited(t0, t0 + hour_ms, defaults));
  BOOST_TEST(!heartbeat_credited(t0, t0 - hour_ms, defaults));  // from the past: never

  // Beating every 10 minutes for 5 hours earns 5 credits, not 30.
  auto state = initial_state(defaults);
  int credited = 0;
  for (int64_t t = t0; t < t0 + 5 * hour_ms; t += 10 * minute_ms) {
    auto result = apply(state, event_kind::heartbeat_kept, t, defaults);
    if (result.credited) {
      ++credited;
    } else {
      BOOST_TEST(same_state(result.state, state));  // an uncredited beat changes nothing
      BOOST_TEST(same_bits(result.score_after, result.score_before));
    }
    state = result.state;
  }
  BOOST_TEST(credited == 5);
  BOOST_TEST(state.events == 5);
  BOOST_TEST(state.last_heartbeat_credit == t0 + 4 * hour_ms);
  // Other events don't reset the heartbeat clock.
  state = then(state, event_kind::call_success, t0 + 4 * hour_ms + minute_ms);
  BOOST_TEST(!apply(state, event_kind::heartbeat_kept, t0 + 5 * hour_ms - 1, defaults).credited);
}

BOOST_AUTO_TEST_CASE(replay_equals_applying_one_by_one_bit_for_bit) {
  std::vector<logged_event> log = {
      {event_kind::registered, t0},
      {event_kind::verification_passed, t0 + minute_ms},
      {event_kind::heartbeat_kept, t0 + 2 * minute_ms},
      {event_kind::heartbeat_kept, t0 + 30 * minute_ms},  // not credited
      {event_kind::call_success, t0 + 3 * day_ms},        // after a gap of days
      {event_kind::call_timeout, t0 + 3 * day_ms + 7},
      {event_kind::heartbeat_kept, t0 + 3 * day_ms + hour_ms},
      {event_kind::review_positive, t0 + 200 * day_ms},  // several half-lives later
      {event_kind::call_error, t0 + 200 * day_ms - hour_ms},  // logged out of order
      {event_kind::heartbeat_missed, t0 + 400 * day_ms},
      {event_kind::review_negative, t0 + 400 * day_ms + 1},
      {event_kind::verification_failed, t0 + 401 * day_ms},
  };
  auto live = initial_state(defaults);
  for (size_t i = 0; i < log.size(); ++i) {
    auto result = apply(live, log[i].kind, log[i].at_ms, defaults);
    live = result.state;
    // Every prefix of the log replays to the state the live update produced.
    auto replayed = replay(std::span(log).first(i + 1), defaults);
    BOOST_TEST(same_state(replayed, live), "after event " << i);
    if (result.credited) BOOST_TEST(same_bits(replayed.score, result.score_after));
  }
  BOOST_TEST(live.events == 11);
  BOOST_TEST(same_state(replay({}, defaults), initial_state(defaults)));
}

BOOST_AUTO_TEST_CASE(weights_change_how_far_an_event_moves_the_score) {
  auto start = verified_newcomer(t0);
  // Same value (0), different weights (1 and 0.75).
  double error = apply(start, event_kind::call_error, t0 + hour_ms, defaults).score_after;
  double timeout = apply(start, event_kind::call_timeout, t0 + hour_ms, defaults).score_after;
  BOOST_TEST(error < timeout);
  BOOST_TEST(timeout < start.score);
  // And a configured weight is the one used.
  tessera::config::reputation_settings settings;
  settings.weights["call_timeout"] = 4;
  auto heavy = params_from(settings);
  double heavy_timeout = apply(start, event_kind::call_timeout, t0 + hour_ms, heavy).score_after;
  BOOST_TEST(heavy_timeout < error);
}

BOOST_AUTO_TEST_CASE(a_verified_well_behaved_agent_earns_the_trusted_badge) {
  auto state = verified_newcomer(t0);
  BOOST_TEST(std::abs(state.score - 0.65) < 1e-12);
  int64_t t = t0 + hour_ms;
  int successes = 0;
  while (!trusted_now(state, t) && successes < 1000) {
    t += 10 * minute_ms;
    state = then(state, event_kind::call_success, t);
    ++successes;
  }
  BOOST_TEST(successes == 11);  // 0.35 * 0.95^11 < 0.2 < 0.35 * 0.95^10
  BOOST_TEST(state.events == 13);
  BOOST_TEST((tier_of(state.score, defaults) == tier::high));
  BOOST_TEST(!trusted(false, state.score, state.events, defaults));  // and only if verified
}

BOOST_AUTO_TEST_CASE(uptime_alone_earns_the_badge_slowly_and_keeps_it) {
  auto state = verified_newcomer(t0);
  int64_t t = t0;
  for (int hour = 1; hour <= 48; ++hour) {
    t = t0 + hour * hour_ms;
    state = then(state, event_kind::heartbeat_kept, t);
  }
  BOOST_TEST(!trusted_now(state, t));  // two days online is not enough...
  for (int hour = 49; hour <= 72; ++hour) {
    t = t0 + hour * hour_ms;
    state = then(state, event_kind::heartbeat_kept, t);
  }
  BOOST_TEST(trusted_now(state, t));  // ...three days is
  // An idle, healthy agent keeps the badge: heartbeats outweigh decay (equilibrium ~0.96).
  for (int hour = 73; hour <= 60 * 24; ++hour) {
    t = t0 + hour * hour_ms;
    state = then(state, event_kind::heartbeat_kept, t);
    BOOST_TEST_REQUIRE(trusted_now(state, t));
  }
  BOOST_TEST(state.score > 0.95);
}

BOOST_AUTO_TEST_CASE(a_misbehaving_agent_loses_the_badge_and_cannot_earn_it) {
  auto state = verified_newcomer(t0);
  int64_t t = t0 + hour_ms;
  for (int i = 0; i < 30; ++i) state = then(state, event_kind::call_success, t += minute_ms);
  BOOST_TEST(trusted_now(state, t));
  BOOST_TEST((state.score > 0.92 && state.score < 0.93));  // a little decay since the start
  state = then(state, event_kind::call_error, t += minute_ms);
  BOOST_TEST(trusted_now(state, t));  // one error is forgiven...
  state = then(state, event_kind::call_error, t += minute_ms);
  BOOST_TEST(!trusted_now(state, t));  // ...two in a row are not
  BOOST_TEST((tier_of(state.score, defaults) == tier::normal));

  // Failing a third of its calls, a verified agent never gets the badge, and sinks.
  auto flaky = verified_newcomer(t0);
  t = t0 + hour_ms;
  for (int i = 0; i < 300; ++i) {
    auto kind = i % 3 == 2 ? event_kind::call_error : event_kind::call_success;
    flaky = then(flaky, kind, t += minute_ms);
    BOOST_TEST_REQUIRE(!trusted_now(flaky, t));
  }
  BOOST_TEST(flaky.score < 0.5);

  // An agent that keeps erroring ends up in the low tier.
  auto failing = verified_newcomer(t0);
  for (int i = 0; i < 6; ++i) failing = then(failing, event_kind::call_error, t += minute_ms);
  BOOST_TEST((tier_of(failing.score, defaults) == tier::low));
}

BOOST_AUTO_TEST_CASE(events_from_the_past_count_as_no_gap) {
  score_state state{.score = 0.9, .updated_at = t0, .events = 3, .last_heartbeat_credit = never};
  // No decay backwards, and no extra decay either.
  BOOST_TEST(decayed(0.9, t0, t0 - day_ms, defaults) == 0.9);
  auto late = apply(state, event_kind::call_success, t0 - day_ms, defaults);
  BOOST_TEST(late.score_before == 0.9);
  BOOST_TEST(late.score_after > late.score_before);  // a success still only raises the score
  BOOST_TEST(late.state.updated_at == t0);           // the clock doesn't run backwards
  // So the next event decays from t0, not from the late event's time.
  auto next = apply(late.state, event_kind::call_success, t0 + day_ms, defaults);
  BOOST_TEST(next.score_before == decayed(late.score_after, t0, t0 + day_ms, defaults));
  auto bad = apply(state, event_kind::call_error, t0 - day_ms, defaults);
  BOOST_TEST(bad.score_after < bad.score_before);
}

BOOST_AUTO_TEST_CASE(tier_thresholds) {
  BOOST_TEST((tier_of(1.0, defaults) == tier::high));
  BOOST_TEST((tier_of(0.8, defaults) == tier::high));
  BOOST_TEST((tier_of(0.7999, defaults) == tier::normal));
  BOOST_TEST((tier_of(0.4, defaults) == tier::normal));
  BOOST_TEST((tier_of(0.3999, defaults) == tier::low));
  BOOST_TEST((tier_of(0.0, defaults) == tier::low));
  reputation_params strict;
  strict.high_tier_min = 0.9;
  BOOST_TEST((tier_of(0.85, strict) == tier::normal));
}

BOOST_AUTO_TEST_CASE(trusted_needs_verification_score_and_events) {
  BOOST_TEST(trusted(true, 0.8, 10, defaults));
  BOOST_TEST(!trusted(false, 0.99, 1000, defaults));
  BOOST_TEST(!trusted(true, 0.7999, 1000, defaults));
  BOOST_TEST(!trusted(true, 0.99, 9, defaults));
}

BOOST_AUTO_TEST_CASE(params_from_default_settings_are_the_defaults) {
  auto params = params_from(tessera::config::reputation_settings{});
  BOOST_TEST(params.alpha == defaults.alpha);
  BOOST_TEST(params.half_life_ms == defaults.half_life_ms);
  BOOST_TEST(params.trusted_min_events == defaults.trusted_min_events);
  for (auto kind : all_event_kinds) {
    BOOST_TEST(params.of(kind).weight == defaults.of(kind).weight, to_string(kind));
    BOOST_TEST(params.of(kind).value == defaults.of(kind).value, to_string(kind));
  }
  BOOST_TEST(tessera::config::reputation_settings{}.weights.size() == event_kind_count);
}

BOOST_AUTO_TEST_CASE(params_from_carries_every_setting) {
  tessera::config::reputation_settings settings;
  settings.alpha = 0.25;
  settings.half_life = std::chrono::hours(48);
  settings.trusted_min_events = 50;
  settings.weights["review_negative"] = 7;
  auto params = params_from(settings);
  BOOST_TEST(params.alpha == 0.25);
  BOOST_TEST(params.half_life_ms == 48 * hour_ms);
  BOOST_TEST(params.trusted_min_events == 50);
  BOOST_TEST(params.of(event_kind::review_negative).weight == 7);
  BOOST_TEST(params.of(event_kind::review_negative).value == 0);  // values are not settings
  BOOST_TEST(params.of(event_kind::review_positive).weight == 1.5);
}

// --- rank keys: the directory sorts and filters by them in SQL ---------------

namespace {

bool rank_greater(const rank_key& a, const rank_key& b) {
  return a.cls != b.cls ? a.cls > b.cls : a.mag > b.mag;
}

bool rank_at_least(const rank_key& a, const rank_key& b) { return !rank_greater(b, a); }

// States as the engine makes them: random events at random times over ~200
// days, and some agents with only a registration (exactly the prior).
std::vector<score_state> random_states(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<score_state> states;
  for (size_t i = 0; i < n; ++i) {
    score_state state = then(initial_state(defaults), event_kind::registered, t0);
    int events = static_cast<int>(rng() % 12);
    int64_t at = t0;
    for (int e = 0; e < events; ++e) {
      at += static_cast<int64_t>(rng() % (20 * day_ms));
      auto kind = all_event_kinds[rng() % event_kind_count];
      state = apply(state, kind, at, defaults).state;
    }
    states.push_back(state);
  }
  return states;
}

int64_t latest(const std::vector<score_state>& states) {
  int64_t at = 0;
  for (const auto& s : states)
    at = std::max(at, s.updated_at);
  return at;
}

}  // namespace

BOOST_AUTO_TEST_CASE(rank_keys_order_states_as_their_scores_at_any_later_time) {
  auto states = random_states(300, 7);
  std::vector<rank_key> ranks;
  for (const auto& s : states)
    ranks.push_back(rank_of(s, defaults));
  size_t compared = 0;
  for (int64_t later : {int64_t{0}, hour_ms, 30 * day_ms, 365 * day_ms}) {
    int64_t now = latest(states) + later;
    for (size_t i = 0; i < states.size(); ++i) {
      for (size_t j = 0; j < states.size(); ++j) {
        double a = current_score(states[i], now, defaults);
        double b = current_score(states[j], now, defaults);
        // Two formulas (exp2 of the gap, log2 of the distance) can round apart
        // only for scores within a hair of each other.
        if (std::abs(a - b) <= 1e-12) {
          if (!rank_greater(ranks[i], ranks[j]) && !rank_greater(ranks[j], ranks[i]))
            BOOST_TEST(same_bits(a, b));
          continue;
        }
        ++compared;
        BOOST_TEST(rank_greater(ranks[i], ranks[j]) == (a > b), "states " << i << ", " << j);
      }
    }
  }
  BOOST_TEST(compared > 100000u);
}

BOOST_AUTO_TEST_CASE(the_prior_has_the_zero_key_whatever_the_time) {
  score_state at_prior{.score = defaults.prior, .updated_at = t0 + 5 * day_ms, .events = 3};
  auto key = rank_of(at_prior, defaults);
  BOOST_TEST(key.cls == 0);
  BOOST_TEST(key.mag == 0);
  score_state above{.score = 0.6, .updated_at = t0, .events = 1};
  score_state below{.score = 0.4, .updated_at = t0 + 100 * day_ms, .events = 1};
  BOOST_TEST(rank_of(above, defaults).cls == 1);
  BOOST_TEST(rank_of(below, defaults).cls == -1);
  BOOST_TEST(rank_greater(rank_of(above, defaults), key));
  BOOST_TEST(rank_greater(key, rank_of(below, defaults)));
}

BOOST_AUTO_TEST_CASE(min_score_bound_selects_exactly_the_scores_at_or_above_it) {
  auto states = random_states(500, 11);
  size_t near_prior = 0;
  for (const auto& s : states)
    near_prior += s.score == defaults.prior ? 1 : 0;
  BOOST_TEST(near_prior > 0u);  // the m == prior case below meets scores equal to it
  for (int64_t later : {int64_t{0}, day_ms, 90 * day_ms}) {
    int64_t now = latest(states) + later;
    for (double m : {0.0, 0.2, 0.45, 0.4999, 0.5, 0.5001, 0.55, 0.6, 0.8, 0.95, 1.0}) {
      auto bound = min_score_bound(m, now, defaults);
      size_t selected = 0;
      for (size_t i = 0; i < states.size(); ++i) {
        double score = current_score(states[i], now, defaults);
        bool in = rank_at_least(rank_of(states[i], defaults), bound);
        if (score != m && std::abs(score - m) <= 1e-12)
          continue;  // within rounding of the bound itself
        BOOST_TEST(in == (score >= m), "m " << m << ", state " << i << ", score " << score);
        selected += in ? 1 : 0;
      }
      if (m == 0.0)
        BOOST_TEST(selected == states.size());
      if (m == defaults.prior)
        BOOST_TEST(selected >= near_prior);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
