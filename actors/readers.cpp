#include "actors/readers.hpp"

#include <nlohmann/json.hpp>

#include "actors/errors.hpp"
#include "storage/agent_repository.hpp"
#include "storage/database.hpp"

namespace tessera {

namespace {

/// Runs a query, reopening the session once if it failed (the database may
/// have restarted); a second failure is reported as unavailable.
template <class F>
auto run(reader_state& st, F query) -> caf::expected<decltype(query(*st.sql))> {
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      if (!st.sql)
        st.sql = storage::open_session(st.db, storage::session_role::reader);
      st.queries += 1;
      return query(*st.sql);
    } catch (const std::exception&) {
      st.failures += 1;
      st.sql.reset();
    }
  }
  return make_error(ec::unavailable, "the database is not reachable");
}

}  // namespace

reader_actor::behavior_type reader(reader_actor::stateful_pointer<reader_state> self,
                                   config::database_settings db) {
  self->state.db = std::move(db);
  return {
      [=](atom::get, const std::string& id) -> caf::result<agent_record> {
        auto found = run(self->state,
                         [&](soci::session& sql) { return storage::agents::find(sql, id); });
        if (!found)
          return found.error();
        if (!*found)
          return make_error(ec::not_found, "no agent with id " + id);
        return std::move(**found);
      },
      [=](atom::list, const agent_query& q) -> caf::result<agent_page> {
        auto page = run(self->state,
                        [&](soci::session& sql) { return storage::agents::list(sql, q); });
        if (!page)
          return page.error();
        return std::move(*page);
      },
      [=](atom::online) -> caf::result<std::vector<std::string>> {
        auto ids = run(self->state,
                       [&](soci::session& sql) { return storage::agents::online_ids(sql); });
        if (!ids)
          return ids.error();
        return std::move(*ids);
      },
      [=](atom::ping) -> caf::result<caf::ok_atom> {
        auto ok = run(self->state, [&](soci::session& sql) {
          int one = 0;
          sql << "SELECT 1", soci::into(one);
          return true;
        });
        if (!ok)
          return ok.error();
        return caf::ok_atom::value;
      },
      [=](atom::status) -> std::string {
        return nlohmann::json{{"queries", self->state.queries},
                              {"failures", self->state.failures}}
            .dump();
      },
  };
}

reader_actor::behavior_type readers(reader_actor::stateful_pointer<readers_state> self,
                                    std::vector<reader_actor> pool) {
  self->state.pool = std::move(pool);
  auto pick = [self]() -> reader_actor {
    auto& st = self->state;
    return st.pool[st.next++ % st.pool.size()];
  };
  return {
      [=](atom::get, std::string& id) { return self->delegate(pick(), atom::get::value, std::move(id)); },
      [=](atom::list, agent_query& q) { return self->delegate(pick(), atom::list::value, std::move(q)); },
      [=](atom::online) { return self->delegate(pick(), atom::online::value); },
      [=](atom::ping) { return self->delegate(pick(), atom::ping::value); },
      [=](atom::status) -> std::string {
        return nlohmann::json{{"readers", self->state.pool.size()}}.dump();
      },
  };
}

reader_actor spawn_readers(caf::actor_system& sys, const config::database_settings& db) {
  std::vector<reader_actor> pool;
  for (int i = 0; i < std::max(1, db.readers); ++i) {
    auto r = sys.spawn<caf::detached>(reader, db);
    pool.push_back(r);
  }
  auto front = sys.spawn(readers, pool);
  // The readers live as long as their front.
  for (auto& r : pool)
    front->attach_functor([r](const caf::error&) { caf::anon_send_exit(r, caf::exit_reason::user_shutdown); });
  return front;
}

}  // namespace tessera
