#pragma once
// Scores agents from the registry's events (protocol/reputation.hpp does the
// math). Updates for one agent are serialized: its events queue, and the next
// is applied only once the previous write committed, so none is lost and the
// stored state is always the stored log folded by reputation::replay. A write
// that fails is logged and its event dropped: the cached state stays as of the
// last committed write, so state and log keep agreeing.
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>

#include "actors/interfaces.hpp"
#include "config/settings.hpp"
#include "protocol/reputation.hpp"

namespace tessera {

struct reputation_config {
  reputation::reputation_params params;
  config::millis timeout{10'000};  // for loading a state from the readers
};

struct reputation_state {
  struct pending_event {
    // nullopt: forget the agent's cached state once the events before are
    // written (it was deregistered, went offline, or was credited while not
    // cached); the entry goes when nothing else is queued, and the next event
    // loads the state from the database again.
    std::optional<reputation::event_kind> kind;
    int64_t at = 0;
  };
  struct agent_entry {
    std::optional<reputation::score_state> state;  // as committed; unknown until loaded
    std::deque<pending_event> queue;
    bool busy = false;  // a load or a write is in flight
  };
  std::unordered_map<std::string, agent_entry> agents;
  uint64_t credited = 0;    // events written
  uint64_t uncredited = 0;  // heartbeats within the credit interval
  uint64_t dropped = 0;     // events lost to a failed load or write
  static inline const char* name = "reputation";
};

reputation_actor::behavior_type reputation_engine(
    reputation_actor::stateful_pointer<reputation_state> self, reputation_config cfg,
    persistence_actor writer, reader_actor readers);

}  // namespace tessera
