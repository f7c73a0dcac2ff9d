#include "actors/watch.hpp"

#include <nlohmann/json.hpp>

#include "actors/clock.hpp"
#include "actors/errors.hpp"

namespace tessera {

namespace {

using self_ptr = watch_actor::stateful_pointer<watch_state>;

// How often the history is trimmed by age when no event comes.
constexpr auto trim_interval = std::chrono::seconds(10);

}  // namespace

watch_actor::behavior_type watch_hub(self_ptr self, config::watch_settings cfg, int64_t first_id) {
  auto& st = self->state;
  st.cfg = cfg;
  st.history = std::make_unique<watch::history>(static_cast<size_t>(cfg.history_size),
                                                cfg.history_age.count(), first_id);
  self->delayed_send(self, trim_interval, atom::tick::value);
  return {
      [=](const agent_event& ev) {
        if (!watch::is_watched(ev.kind))
          return;
        auto& st = self->state;
        st.events += 1;
        const auto& e = st.history->add(ev, now_ms());
        // One copy of the text, shared by every stream it goes to.
        auto text = std::make_shared<const std::string>(e.text);
        for (auto it = st.streams.begin(); it != st.streams.end();) {
          if (!watch::matches(it->second.filter, e)) {
            ++it;
          } else if (it->second.sink->send(text)) {
            st.delivered += 1;
            ++it;
          } else {
            st.dropped_streams += 1;
            it = st.streams.erase(it);
          }
        }
      },
      [=](atom::subscribe, uint64_t stream, const watch::filter& f, int64_t last_id,
          const stream_sink_ptr& sink) -> caf::result<caf::ok_atom> {
        auto& st = self->state;
        if (st.streams.size() >= static_cast<size_t>(st.cfg.max_streams))
          return make_error(ec::unavailable,
                            "too many watch streams on this node (watch.max_streams); retry later");
        if (last_id >= 0) {
          auto missed = st.history->since(last_id);
          if (!missed) {
            st.resets += 1;
            sink->send(std::make_shared<const std::string>(
                watch::reset_text(st.history->newest_id())));
          } else {
            for (const auto* e : *missed)
              if (watch::matches(f, *e) &&
                  !sink->send(std::make_shared<const std::string>(e->text)))
                return caf::ok_atom::value;  // it could not take them: it is closed
          }
        }
        st.streams[stream] = {f, sink};
        return caf::ok_atom::value;
      },
      [=](atom::closed_stream, uint64_t stream) { self->state.streams.erase(stream); },
      [=](atom::tick) {
        self->state.history->expire(now_ms());
        self->delayed_send(self, trim_interval, atom::tick::value);
      },
      [=](atom::status) -> std::string {
        auto& st = self->state;
        return nlohmann::json{{"streams", st.streams.size()},
                              {"history", st.history->size()},
                              {"newest_id", st.history->newest_id()},
                              {"events", st.events},
                              {"delivered", st.delivered},
                              {"dropped_streams", st.dropped_streams},
                              {"resets", st.resets}}
            .dump();
      },
  };
}

}  // namespace tessera
