#pragma once
// Reputation as it travels between actors and is stored: one credited event
// with the score before and after it (a row of the append-only log) and the
// agent's state after it, applied together; and what the readers answer.
// Each type has its `inspect` here; actors/messages.cpp registers them all.
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/reputation.hpp"

namespace tessera::reputation {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, rank_key& x) {
  return f(caf::meta::type_name("rank_key"), x.cls, x.mag);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, score_state& x) {
  return f(caf::meta::type_name("score_state"), x.score, x.updated_at, x.events,
           x.last_heartbeat_credit, x.pass_credited);
}

/// The reputation event a registry event stands for, if any: staying online
/// is evidence (heartbeat_kept), a lapse counts against (heartbeat_missed).
inline std::optional<event_kind> event_of_agent_event(std::string_view agent_event_kind) {
  if (agent_event_kind == "agent_registered")
    return event_kind::registered;
  if (agent_event_kind == "agent_heartbeat")
    return event_kind::heartbeat_kept;
  if (agent_event_kind == "agent_offline")
    return event_kind::heartbeat_missed;
  return std::nullopt;
}

}  // namespace tessera::reputation

namespace tessera {

/// One credited event and the agent's state after it, written atomically, so
/// the stored state is always the log folded by reputation::replay.
struct reputation_change {
  std::string agent_id;
  std::string kind;  // reputation::to_string(event_kind)
  int64_t at = 0;
  double score_before = 0;  // decayed to `at`
  double score_after = 0;
  reputation::score_state state;  // after the event
  reputation::rank_key rank;      // rank_of(state): how the directory sorts it
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reputation_change& x) {
  return f(caf::meta::type_name("reputation_change"), x.agent_id, x.kind, x.at, x.score_before,
           x.score_after, x.state, x.rank);
}

/// A row of the event log; seq orders it.
struct reputation_entry {
  int64_t seq = 0;
  std::string kind;
  int64_t at = 0;
  double score_before = 0;
  double score_after = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reputation_entry& x) {
  return f(caf::meta::type_name("reputation_entry"), x.seq, x.kind, x.at, x.score_before,
           x.score_after);
}

/// An agent's stored reputation and a page of its log, newest first.
struct reputation_view {
  // False for an agent with no credited event yet: `state` is then a default
  // and the caller uses reputation::initial_state (the prior is configured,
  // which the readers don't know).
  bool scored = false;
  reputation::score_state state;
  std::vector<reputation_entry> history;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reputation_view& x) {
  return f(caf::meta::type_name("reputation_view"), x.scored, x.state, x.history);
}

}  // namespace tessera
