#include "actors/reputation.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "actors/errors.hpp"
#include "protocol/reputation_record.hpp"

namespace tessera {

namespace {

using reputation_self = reputation_actor::stateful_pointer<reputation_state>;

void advance_agent(reputation_self self, const reputation_config& cfg, persistence_actor writer,
                   reader_actor readers, const std::string& id);

/// Loads the agent's committed state, then goes on with its queue. An agent
/// that doesn't exist (any more) takes its queued events with it.
void load_score(reputation_self self, const reputation_config& cfg, persistence_actor writer,
                reader_actor readers, const std::string& id) {
  self->state.agents[id].busy = true;
  self->request(readers, cfg.timeout, atom::reputation::value, id, int64_t{0}, int32_t{0})
      .then(
          [=](const reputation_view& v) {
            auto& e = self->state.agents[id];
            e.busy = false;
            e.state = v.scored ? v.state : reputation::initial_state(cfg.params);
            advance_agent(self, cfg, writer, readers, id);
          },
          [=](const caf::error& err) {
            auto& e = self->state.agents[id];
            auto p = to_problem(err);
            if (p.code != ec::not_found)
              spdlog::warn("reputation not loaded agent={} dropped={} error={} \"{}\"", id,
                           e.queue.size(), to_string(p.code), p.message);
            self->state.dropped += e.queue.size();
            self->state.agents.erase(id);
          });
}

/// Writes one credited event with the state after it; the state is cached
/// only once committed.
void write_change(reputation_self self, const reputation_config& cfg, persistence_actor writer,
                  reader_actor readers, const std::string& id, reputation::event_kind kind,
                  int64_t at, const reputation::applied& step) {
  self->state.agents[id].busy = true;
  write_op op;
  op.kind = write_op::record_reputation;
  op.reputation = {id,
                   std::string{reputation::to_string(kind)},
                   at,
                   step.score_before,
                   step.score_after,
                   step.state,
                   reputation::rank_of(step.state, cfg.params)};
  // No timeout: the writer always answers, and a write given up on might
  // still commit, leaving the cache behind the database.
  self->request(writer, caf::infinite, atom::write::value, std::move(op))
      .then(
          [=](caf::ok_atom) {
            auto& e = self->state.agents[id];
            e.busy = false;
            e.state = step.state;
            self->state.credited += 1;
            advance_agent(self, cfg, writer, readers, id);
          },
          [=](const caf::error& err) {
            auto& e = self->state.agents[id];
            e.busy = false;
            self->state.dropped += 1;
            auto p = to_problem(err);
            spdlog::warn("reputation event not stored agent={} kind={} error={} \"{}\"", id,
                         reputation::to_string(kind), to_string(p.code), p.message);
            advance_agent(self, cfg, writer, readers, id);
          });
}

/// Applies the agent's queued events in order until one needs I/O.
void advance_agent(reputation_self self, const reputation_config& cfg, persistence_actor writer,
                   reader_actor readers, const std::string& id) {
  auto it = self->state.agents.find(id);
  if (it == self->state.agents.end())
    return;
  auto& e = it->second;
  while (!e.busy && !e.queue.empty()) {
    auto ev = e.queue.front();
    if (!ev.kind) {
      e.state.reset();
      e.queue.pop_front();
      continue;
    }
    if (!e.state) {
      load_score(self, cfg, writer, readers, id);
      return;
    }
    e.queue.pop_front();
    auto step = reputation::apply(*e.state, *ev.kind, ev.at, cfg.params);
    if (!step.credited) {
      self->state.uncredited += 1;
      continue;
    }
    write_change(self, cfg, writer, readers, id, *ev.kind, ev.at, step);
    return;
  }
  if (!e.busy && e.queue.empty() && !e.state)
    self->state.agents.erase(it);
}

}  // namespace

reputation_actor::behavior_type reputation_engine(reputation_self self, reputation_config cfg,
                                                  persistence_actor writer,
                                                  reader_actor readers) {
  return {
      [=](const agent_event& ev) {
        std::optional<reputation::event_kind> kind;
        if (ev.kind != "agent_deregistered") {
          kind = reputation::event_of_agent_event(ev.kind);
          if (!kind)
            return;
        }
        auto& queue = self->state.agents[ev.agent_id].queue;
        queue.push_back({kind, ev.at});
        // Only online agents stay cached: once this lapse is written, the entry
        // goes (the next heartbeat loads the state again).
        if (ev.kind == "agent_offline")
          queue.push_back({std::nullopt, ev.at});
        advance_agent(self, cfg, writer, readers, ev.agent_id);
      },
      [=](atom::credit, const std::string& agent_id, const std::string& kind_name, int64_t at) {
        auto kind = reputation::parse_event_kind(kind_name);
        if (!kind) {
          spdlog::warn("reputation event of unknown kind ignored agent={} kind={}", agent_id,
                       kind_name);
          return;
        }
        // An agent not cached already (not online) isn't kept once this is written.
        bool cached = self->state.agents.count(agent_id) > 0;
        auto& queue = self->state.agents[agent_id].queue;
        queue.push_back({kind, at});
        if (!cached)
          queue.push_back({std::nullopt, at});
        advance_agent(self, cfg, writer, readers, agent_id);
      },
      [=](atom::status) -> std::string {
        auto& st = self->state;
        size_t queued = 0;
        for (auto& [id, e] : st.agents)
          queued += e.queue.size();
        return nlohmann::json{{"agents", st.agents.size()},
                              {"queued", queued},
                              {"credited", st.credited},
                              {"uncredited", st.uncredited},
                              {"dropped", st.dropped}}
            .dump();
      },
  };
}

}  // namespace tessera
