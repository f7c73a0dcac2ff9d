#pragma once
// The registry watch: subscribes to the registry's events, keeps the lifecycle
// ones in a bounded history (protocol/agent_watch) and writes each to the
// streams whose filter it matches. A stream that refuses an event (its reader
// fell behind, or it is gone) is dropped at once; so is one whose end arrives
// as `closed_stream`. The history is trimmed by age on a timer too.
#include <cstdint>
#include <unordered_map>

#include "actors/interfaces.hpp"
#include "config/settings.hpp"

namespace tessera {

struct watch_state {
  struct subscription {
    watch::filter filter;
    stream_sink_ptr sink;
  };
  std::unique_ptr<watch::history> history;
  std::unordered_map<uint64_t, subscription> streams;
  config::watch_settings cfg;
  uint64_t events = 0, delivered = 0, dropped_streams = 0, resets = 0;
  static inline const char* name = "watch";
};

/// `first_id`: the first event's id (protocol/agent_watch.hpp says why the
/// node passes its start time).
watch_actor::behavior_type watch_hub(watch_actor::stateful_pointer<watch_state> self,
                                     config::watch_settings cfg, int64_t first_id);

}  // namespace tessera
