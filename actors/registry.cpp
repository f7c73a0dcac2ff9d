#include "actors/registry.hpp"

#include <nlohmann/json.hpp>

#include "actors/agent_session.hpp"
#include "actors/clock.hpp"
#include "actors/errors.hpp"

namespace tessera {

namespace {

using self_ptr = registry_actor::stateful_pointer<registry_state>;

void publish(self_ptr self, const std::string& kind, const std::string& id) {
  agent_event ev{kind, id, now_ms()};
  for (auto& s : self->state.subscribers)
    self->send(s, ev);
}

/// Starts the session of an agent that just came online; returns its deadline.
int64_t start_session(self_ptr self, const registry_config& cfg, const std::string& id) {
  auto& st = self->state;
  // A registration and a heartbeat can race to start one; keep only the newest.
  if (auto old = st.sessions.find(id); old != st.sessions.end())
    self->send(old->second.actor, atom::remove::value);
  auto deadline = now_ms() + cfg.offline_after.count();
  auto generation = st.next_generation++;
  // Linked: sessions end with the registry, and a normal session end is
  // ignored by it.
  auto session = self->spawn<caf::linked>(agent_session, id, deadline, cfg.offline_after, generation,
                             registry_actor{self});
  st.sessions[id] = {session, generation};
  st.offline_unsaved.erase(id);
  return deadline;
}

void stop_session(self_ptr self, const std::string& id) {
  auto& st = self->state;
  if (auto it = st.sessions.find(id); it != st.sessions.end()) {
    self->send(it->second.actor, atom::remove::value);
    st.sessions.erase(it);
  }
}

/// A heartbeat for an agent without a session: check that it exists, write
/// "online", start the session, answer every heartbeat that waited meanwhile.
void bring_online(self_ptr self, const registry_config& cfg, persistence_actor writer,
                  reader_actor readers, const std::string& id,
                  caf::typed_response_promise<heartbeat_ack> rp) {
  auto& waiting = self->state.starting[id];
  waiting.push_back(rp);
  if (waiting.size() > 1)
    return;
  auto fail = [self, id](const caf::error& err) {
    auto waiting = std::move(self->state.starting[id]);
    self->state.starting.erase(id);
    for (auto& p : waiting)
      p.deliver(err);
  };
  self->request(readers, cfg.timeout, atom::get::value, id)
      .then(
          [=](agent_record) {
            write_op op;
            op.kind = write_op::set_status;
            op.agent.id = id;
            op.agent.status = "online";
            op.agent.last_seen = now_ms();
            self->request(writer, caf::infinite, atom::write::value, op)
                .then(
                    [=](caf::ok_atom) {
                      auto deadline = start_session(self, cfg, id);
                      publish(self, "agent_online", id);
                      auto waiting = std::move(self->state.starting[id]);
                      self->state.starting.erase(id);
                      for (auto& p : waiting)
                        p.deliver(heartbeat_ack{"online", deadline});
                    },
                    fail);
          },
          fail);
}

void write_offline(self_ptr self, const registry_config& cfg, persistence_actor writer,
                   const std::string& id, int64_t last_seen) {
  write_op op;
  op.kind = write_op::set_status;
  op.agent.id = id;
  op.agent.status = "offline";
  op.agent.last_seen = last_seen;
  self->request(writer, caf::infinite, atom::write::value, op)
      .then([=](caf::ok_atom) { publish(self, "agent_offline", id); },
            [=](const caf::error& err) {
              // not_found: deregistered meanwhile, nothing to do. Otherwise
              // retry with the next flush, unless it came back online.
              if (to_problem(err).code != ec::not_found && !self->state.sessions.count(id))
                self->state.offline_unsaved[id] = last_seen;
            });
}

/// Writes the coalesced last_seen values (in one transaction) and retries any
/// offline status that failed to save. `done` runs when the last_seen write
/// was answered.
template <class Done>
void flush(self_ptr self, const registry_config& cfg, persistence_actor writer, Done done) {
  auto& st = self->state;
  for (auto& [id, seen] : st.offline_unsaved)
    write_offline(self, cfg, writer, id, seen);
  st.offline_unsaved.clear();
  if (st.last_seen.empty()) {
    done();
    return;
  }
  std::vector<write_op> ops;
  ops.reserve(st.last_seen.size());
  for (auto& [id, seen] : st.last_seen) {
    write_op op;
    op.kind = write_op::touch;
    op.agent.id = id;
    op.agent.last_seen = seen;
    ops.push_back(std::move(op));
  }
  auto batch = std::move(st.last_seen);
  st.last_seen.clear();
  self->request(writer, caf::infinite, atom::write::value, std::move(ops))
      .then([done](caf::ok_atom) mutable { done(); },
            [self, batch, done](const caf::error&) mutable {
              // Keep them for the next flush; newer beats win.
              for (auto& [id, seen] : batch) {
                auto& cur = self->state.last_seen[id];
                cur = std::max(cur, seen);
              }
              done();
            });
}

/// Agents that were online when the server stopped get a session with a fresh
/// deadline; if the database can't say which, ask again shortly.
void restore_sessions(self_ptr self, const registry_config& cfg, reader_actor readers) {
  self->state.restoring = true;
  self->request(readers, cfg.timeout, atom::online::value)
      .then(
          [=](const std::vector<std::string>& ids) {
            auto& st = self->state;
            for (auto& id : ids)
              if (!st.sessions.count(id) && !st.changed_while_restoring.count(id))
                start_session(self, cfg, id);
            st.restoring = false;
            st.changed_while_restoring.clear();
          },
          [=](const caf::error&) {
            // The retry asks anew, so changes until then need no tracking.
            self->state.restoring = false;
            self->state.changed_while_restoring.clear();
            self->delayed_send(self, std::chrono::seconds(1), atom::online::value);
          });
}

/// Notes a change to an agent for a restore that is still in flight.
void changed(self_ptr self, const std::string& id) {
  if (self->state.restoring)
    self->state.changed_while_restoring.insert(id);
}

}  // namespace

registry_actor::behavior_type registry(registry_actor::stateful_pointer<registry_state> self,
                                       registry_config cfg, persistence_actor writer,
                                       reader_actor readers) {
  restore_sessions(self, cfg, readers);
  self->delayed_send(self, cfg.flush_interval, atom::tick::value);
  self->set_down_handler([=](const caf::down_msg& msg) {
    auto& subs = self->state.subscribers;
    subs.erase(std::remove_if(subs.begin(), subs.end(),
                              [&](const auto& s) { return s.address() == msg.source; }),
               subs.end());
  });
  return {
      [=](atom::register_, agent_record rec) -> caf::result<agent_record> {
        auto now = now_ms();
        rec.status = "online";
        rec.registered_at = rec.updated_at = rec.last_seen = now;
        auto rp = self->make_response_promise<agent_record>();
        write_op op;
        op.kind = write_op::insert_agent;
        op.agent = rec;
        self->request(writer, caf::infinite, atom::write::value, std::move(op))
            .then(
                [=](caf::ok_atom) mutable {
                  start_session(self, cfg, rec.id);
                  publish(self, "agent_registered", rec.id);
                  rp.deliver(rec);
                },
                [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      },
      [=](atom::replace, agent_record rec) -> caf::result<agent_record> {
        rec.updated_at = now_ms();
        auto rp = self->make_response_promise<agent_record>();
        write_op op;
        op.kind = write_op::replace_card;
        op.agent = rec;
        self->request(writer, caf::infinite, atom::write::value, std::move(op))
            .then(
                [=](caf::ok_atom) mutable {
                  publish(self, "agent_updated", rec.id);
                  // Answer with the stored record (status, times) as readers see it.
                  self->request(readers, cfg.timeout, atom::get::value, rec.id)
                      .then([=](agent_record stored) mutable { rp.deliver(std::move(stored)); },
                            [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
                },
                [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      },
      [=](atom::remove, const std::string& id) -> caf::result<caf::ok_atom> {
        auto rp = self->make_response_promise<caf::ok_atom>();
        write_op op;
        op.kind = write_op::delete_agent;
        op.agent.id = id;
        self->request(writer, caf::infinite, atom::write::value, std::move(op))
            .then(
                [=](caf::ok_atom) mutable {
                  changed(self, id);
                  stop_session(self, id);
                  self->state.last_seen.erase(id);
                  self->state.offline_unsaved.erase(id);
                  publish(self, "agent_deregistered", id);
                  rp.deliver(caf::ok_atom::value);
                },
                [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      },
      [=](atom::heartbeat, const std::string& id) -> caf::result<heartbeat_ack> {
        auto& st = self->state;
        st.heartbeats += 1;
        auto rp = self->make_response_promise<heartbeat_ack>();
        auto it = st.sessions.find(id);
        if (it == st.sessions.end()) {
          bring_online(self, cfg, writer, readers, id, rp);
          return rp;
        }
        st.last_seen[id] = now_ms();
        self->request(it->second.actor, cfg.timeout, atom::heartbeat::value)
            .then(
                [=](heartbeat_ack ack) mutable {
                  // Only beats within a session: one that ends a lapse is
                  // agent_online, and the missed deadline already counted.
                  publish(self, "agent_heartbeat", id);
                  rp.deliver(std::move(ack));
                },
                  [=](caf::error&) mutable {
                    // The session ended between lookup and delivery.
                    bring_online(self, cfg, writer, readers, id, rp);
                  });
        return rp;
      },
      [=](atom::subscribe, event_listener_actor listener) {
        self->monitor(listener);
        self->state.subscribers.push_back(std::move(listener));
      },
      [=](atom::offline, const std::string& id, uint64_t generation, int64_t last_seen) {
        auto& st = self->state;
        auto it = st.sessions.find(id);
        if (it == st.sessions.end() || it->second.generation != generation)
          return;  // a newer session exists, or the agent is gone
        st.sessions.erase(it);
        st.went_offline += 1;
        changed(self, id);
        auto seen = last_seen;
        if (auto ls = st.last_seen.find(id); ls != st.last_seen.end()) {
          seen = std::max(seen, ls->second);
          st.last_seen.erase(ls);
        }
        write_offline(self, cfg, writer, id, seen);
      },
      [=](atom::online) {
        if (!self->state.restoring)  // one restore at a time
          restore_sessions(self, cfg, readers);
      },
      [=](atom::tick) {
        flush(self, cfg, writer, [] {});
        self->delayed_send(self, cfg.flush_interval, atom::tick::value);
      },
      [=](atom::flush) -> caf::result<caf::ok_atom> {
        auto rp = self->make_response_promise<caf::ok_atom>();
        flush(self, cfg, writer, [rp]() mutable { rp.deliver(caf::ok_atom::value); });
        return rp;
      },
      [=](atom::status) -> std::string {
        auto& st = self->state;
        return nlohmann::json{{"online", st.sessions.size()},
                              {"starting", st.starting.size()},
                              {"heartbeats", st.heartbeats},
                              {"went_offline", st.went_offline},
                              {"unsaved_last_seen", st.last_seen.size()},
                              {"subscribers", st.subscribers.size()}}
            .dump();
      },
  };
}

}  // namespace tessera
