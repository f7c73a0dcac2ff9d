#pragma once
// The registry watch (GET /api/v1/agents/watch), as pure logic: lifecycle
// events numbered by a monotonically increasing id, rendered once as SSE text,
// kept in a bounded history (a count and an age), filtered per watcher, and
// replayed to a watcher that comes back with Last-Event-ID -- or, when what
// it missed is no longer held, a `reset` telling it to list again.
//
// Ids start at the process's start time in milliseconds times 1000, so they
// keep increasing across restarts: an id from before a restart is older than
// anything held, and reads as a gap (reset), never as a future position.
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/agent.hpp"

namespace tessera::watch {

/// The lifecycle events a watch streams.
bool is_watched(const std::string& kind);

/// What a watcher wants; empty fields match anything.
struct filter {
  std::string protocol;
  std::string skill;
  std::string tag;
  std::string id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, filter& x) {
  return f(caf::meta::type_name("watch_filter"), x.protocol, x.skill, x.tag, x.id);
}

/// One event as kept: what filters look at, and its wire form.
struct event {
  int64_t id = 0;
  int64_t at = 0;  // ms since the epoch
  std::string kind;
  std::string agent_id;
  std::vector<std::string> protocols, skills, tags;  // of the agent, when known
  std::string text;  // "id: ...\nevent: ...\ndata: ...\n\n"
};

bool matches(const filter& f, const event& e);

/// `data` of an event: {"type","id","at","agent"} with the agent as the API
/// shows it (null when it is gone or not known).
event make_event(int64_t id, const agent_event& ev);

/// The event that tells a watcher it missed more than the history holds.
std::string reset_text(int64_t newest_id);

/// A Last-Event-ID header as an id; nullopt when it is not a plain number.
std::optional<int64_t> parse_event_id(std::string_view text);

class history {
public:
  history(size_t max_events, int64_t max_age_ms, int64_t first_id);

  /// Numbers `ev`, keeps it (dropping what is over the bounds) and returns it.
  const event& add(const agent_event& ev, int64_t now_ms);
  /// Drops events older than the age bound.
  void expire(int64_t now_ms);

  /// The events after `last_id`, oldest first; nullopt when some of them are
  /// no longer held (or `last_id` is not an id this history could have given).
  std::optional<std::vector<const event*>> since(int64_t last_id) const;

  /// The id of the newest event given so far (first_id - 1 before any).
  int64_t newest_id() const { return next_id_ - 1; }
  size_t size() const { return events_.size(); }

private:
  size_t max_events_;
  int64_t max_age_ms_;
  int64_t next_id_;
  int64_t dropped_through_;  // the newest id no longer held: resuming after it has no gap
  std::deque<event> events_;
};

}  // namespace tessera::watch
