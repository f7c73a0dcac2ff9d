#include "actors/registry.hpp"

#include <nlohmann/json.hpp>

#include "actors/agent_session.hpp"
#include "actors/clock.hpp"
#include "actors/errors.hpp"

namespace tessera {

namespace {

using self_ptr = registry_actor::stateful_pointer<registry_state>;

/// Tells the subscribers; lifecycle events carry the agent (`rec`).
void publish(self_ptr self, const std::string& kind, const std::string& id,
             const agent_record* rec = nullptr) {
  agent_event ev{kind, id, now_ms(), {}};
  if (rec)
    ev.agent = *rec;
  for (auto& s : self->state.subscribers)
    self->send(s, ev);
}

/// The record of an agent with a session, if it was read.
const agent_record* cached(self_ptr self, const std::string& id) {
  auto it = self->state.sessions.find(id);
  return it != self->state.sessions.end() && !it->second.record.id.empty() ? &it->second.record
                                                                            : nullptr;
}

/// Starts the session of an agent that just came online; returns its deadline.
/// `rec` is its stored record (status online), or one with an empty id.
int64_t start_session(self_ptr self, const registry_config& cfg, const std::string& id,
                      agent_record rec) {
  auto& st = self->state;
  // A registration and a heartbeat can race to start one; keep only the newest.
  if (auto old = st.sessions.find(id); old != st.sessions.end())
    self->send(old->second.actor, atom::remove::value);
  auto deadline = now_ms() + cfg.offline_after.count();
  auto generation = st.next_generation++;
  // Not linked: a link is an entry in the registry's attachables, a list
  // that every session's end walks (CAF unlinks on the exit message) --
  // quadratic with 100,000 sessions ending together. The registry ends them
  // itself when it exits; a session it lost track of reaches its deadline.
  auto session = self->spawn(agent_session, id, deadline, cfg.offline_after, generation,
                             registry_actor{self});
  if (!rec.id.empty())
    rec.status = "online";
  st.sessions[id] = {session, generation, std::move(rec)};
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
          [=](agent_record rec) {
            write_op op;
            op.kind = write_op::set_status;
            op.agent.id = id;
            op.agent.status = "online";
            op.agent.last_seen = now_ms();
            self->request(writer, caf::infinite, atom::write::value, op)
                .then(
                    [=](caf::ok_atom) mutable {
                      rec.last_seen = op.agent.last_seen;
                      rec.status = "online";
                      // The record is kept once someone reads it (atom::get),
                      // not for every agent that beats.
                      auto deadline = start_session(self, cfg, id, {});
                      publish(self, "agent_online", id, &rec);
                      auto waiting = std::move(self->state.starting[id]);
                      self->state.starting.erase(id);
                      for (auto& p : waiting)
                        p.deliver(heartbeat_ack{"online", deadline});
                    },
                    fail);
          },
          fail);
}

/// Writes an agent's offline status; `rec` is its record, if it was read.
void write_offline(self_ptr self, const registry_config& cfg, persistence_actor writer,
                   const std::string& id, int64_t last_seen, agent_record rec = {}) {
  write_op op;
  op.kind = write_op::set_status;
  op.agent.id = id;
  op.agent.status = "offline";
  op.agent.last_seen = last_seen;
  self->request(writer, caf::infinite, atom::write::value, op)
      .then([=](caf::ok_atom) mutable {
              if (!rec.id.empty()) {
                rec.status = "offline";
                rec.last_seen = std::max(rec.last_seen, last_seen);
              }
              publish(self, "agent_offline", id, rec.id.empty() ? nullptr : &rec);
            },
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
/// deadline (and their record), read a page at a time; if the database can't
/// say which, ask again shortly.
void restore_page(self_ptr self, const registry_config& cfg, reader_actor readers,
                  std::string after) {
  agent_query q;
  q.status = "online";
  q.after_id = std::move(after);
  q.limit = 200;
  self->request(readers, cfg.timeout, atom::list::value, q)
      .then(
          [=](agent_page& page) {
            auto& st = self->state;
            for (auto& rec : page.agents)
              if (!st.sessions.count(rec.id) && !st.changed_while_restoring.count(rec.id))
                start_session(self, cfg, rec.id, {});
            if (!page.next_after_id.empty())
              return restore_page(self, cfg, readers, page.next_after_id);
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

void restore_sessions(self_ptr self, const registry_config& cfg, reader_actor readers) {
  self->state.restoring = true;
  restore_page(self, cfg, readers, "");
}

/// Keeps `rec` as the record of its session, if the agent has one.
void remember(self_ptr self, const agent_record& rec) {
  auto it = self->state.sessions.find(rec.id);
  if (it == self->state.sessions.end())
    return;
  auto last_seen = std::max(it->second.record.last_seen, rec.last_seen);
  it->second.record = rec;
  it->second.record.status = "online";
  it->second.record.last_seen = last_seen;
}

/// Drops the record of an agent's session (it is read again when needed).
void forget(self_ptr self, const std::string& id) {
  if (auto it = self->state.sessions.find(id); it != self->state.sessions.end())
    it->second.record = {};
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
  self->set_exit_handler([=](const caf::exit_msg& msg) {
    for (auto& [id, entry] : self->state.sessions)
      self->send_exit(entry.actor, msg.reason);
    self->state.sessions.clear();
    self->quit(msg.reason);
  });
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
                  start_session(self, cfg, rec.id, rec);
                  publish(self, "agent_registered", rec.id, &rec);
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
                  // Answer with the stored record (status, times) as readers see it.
                  self->request(readers, cfg.timeout, atom::get::value, rec.id)
                      .then(
                          [=](agent_record stored) mutable {
                            remember(self, stored);
                            publish(self, "agent_updated", rec.id, &stored);
                            rp.deliver(std::move(stored));
                          },
                          [=](caf::error& err) mutable {
                            forget(self, rec.id);
                            publish(self, "agent_updated", rec.id);
                            rp.deliver(std::move(err));
                          });
                },
                [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      },
      [=](atom::remove, const std::string& id) -> caf::result<caf::ok_atom> {
        auto rp = self->make_response_promise<caf::ok_atom>();
        // Watchers are told what went: the record in memory, else as stored.
        auto deregister = [=](agent_record gone) mutable {
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
                    publish(self, "agent_deregistered", id, gone.id.empty() ? nullptr : &gone);
                    rp.deliver(caf::ok_atom::value);
                  },
                  [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
        };
        if (auto rec = cached(self, id)) {
          deregister(*rec);
          return rp;
        }
        self->request(readers, cfg.timeout, atom::get::value, id)
            .then([=](agent_record& rec) mutable { deregister(std::move(rec)); },
                  [=](caf::error&) mutable { deregister({}); });
        return rp;
      },
      [=](atom::heartbeat, const std::string& id) -> caf::result<heartbeat_ack> {
        auto& st = self->state;
        st.heartbeats += 1;
        auto it = st.sessions.find(id);
        if (it == st.sessions.end()) {
          auto rp = self->make_response_promise<heartbeat_ack>();
          bring_online(self, cfg, writer, readers, id, rp);
          return rp;
        }
        auto now = now_ms();
        st.last_seen[id] = now;
        it->second.record.last_seen = now;
        it->second.last_beat = now;
        // The session only needs to know; the answer is the registry's own.
        self->send(it->second.actor, atom::heartbeat::value, now);
        publish(self, "agent_heartbeat", id);
        return heartbeat_ack{"online", now + cfg.offline_after.count()};
      },
      [=](atom::get, const std::string& id) -> caf::result<agent_record> {
        if (auto rec = cached(self, id)) {
          self->state.served_from_memory += 1;
          return *rec;
        }
        // Not online, or online but not read yet (restored at start): ask
        // the readers, and keep what they say while the session lasts.
        auto rp = self->make_response_promise<agent_record>();
        self->request(readers, cfg.timeout, atom::get::value, id)
            .then(
                [=](agent_record& rec) mutable {
                  // Only into a session that has none: a replace meanwhile
                  // has put a newer one there.
                  if (auto it = self->state.sessions.find(id);
                      it != self->state.sessions.end() && it->second.record.id.empty())
                    remember(self, rec);
                  rp.deliver(std::move(rec));
                },
                [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      },
      [=](atom::exists, const std::string& id) -> caf::result<bool> {
        // Online agents from memory, without copying their record.
        if (self->state.sessions.count(id))
          return true;
        auto rp = self->make_response_promise<bool>();
        self->request(readers, cfg.timeout, atom::exists::value, id)
            .then([=](bool found) mutable { rp.deliver(found); },
                  [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      },
      [=](atom::refresh, const std::string& id) -> caf::result<caf::ok_atom> {
        auto rp = self->make_response_promise<caf::ok_atom>();
        self->request(readers, cfg.timeout, atom::get::value, id)
            .then(
                [=](agent_record& rec) mutable {
                  remember(self, rec);
                  publish(self, "agent_updated", id, &rec);
                  rp.deliver(caf::ok_atom::value);
                },
                [=](const caf::error&) mutable {
                  forget(self, id);
                  rp.deliver(caf::ok_atom::value);
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
        if (it->second.last_beat > last_seen) {
          // A beat the session had not heard of yet crossed its report: the
          // agent is alive. Carry on with a new session.
          auto beat = it->second.last_beat;
          start_session(self, cfg, id, std::move(it->second.record));
          auto& renewed = st.sessions[id];
          renewed.last_beat = beat;
          self->send(renewed.actor, atom::heartbeat::value, beat);
          return;
        }
        auto rec = std::move(it->second.record);
        st.sessions.erase(it);
        st.went_offline += 1;
        changed(self, id);
        auto seen = last_seen;
        if (auto ls = st.last_seen.find(id); ls != st.last_seen.end()) {
          seen = std::max(seen, ls->second);
          st.last_seen.erase(ls);
        }
        write_offline(self, cfg, writer, id, seen, std::move(rec));
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
                              {"served_from_memory", st.served_from_memory},
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
