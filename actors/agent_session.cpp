#include "actors/agent_session.hpp"

#include "actors/clock.hpp"

namespace tessera {

agent_session_actor::behavior_type agent_session(
    agent_session_actor::stateful_pointer<agent_session_state> self, std::string id,
    int64_t first_deadline, config::millis offline_after, uint64_t generation,
    registry_actor registry) {
  auto& st = self->state;
  st.id = std::move(id);
  // No beat yet in this session: reporting 0 leaves the stored last_seen as it
  // is (writes never move it back), which matters for sessions restored at start.
  st.last_beat = 0;
  st.deadline = first_deadline;
  // One timer at a time: a beat only moves the deadline; the timer, when it
  // fires early, waits again for what is left.
  auto arm = [self] {
    auto& st = self->state;
    auto wait = std::max<int64_t>(0, st.deadline - now_ms());
    self->delayed_send(self, std::chrono::milliseconds{wait}, atom::tick::value, ++st.timer);
  };
  arm();
  return {
      [=](atom::heartbeat, int64_t at) {
        auto& st = self->state;
        st.beats += 1;
        st.last_beat = std::max(st.last_beat, at);
        st.deadline = std::max(st.deadline, st.last_beat + offline_after.count());
      },
      [=](atom::tick, uint64_t timer) {
        auto& st = self->state;
        if (timer != st.timer)
          return;  // not the pending timer
        if (now_ms() < st.deadline)
          return arm();
        self->send(registry, atom::offline::value, st.id, generation, st.last_beat);
        self->quit();
      },
      [=](atom::remove) { self->quit(); },
  };
}

}  // namespace tessera
