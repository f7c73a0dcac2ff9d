#include "actors/readers.hpp"

#include <nlohmann/json.hpp>

#include "actors/clock.hpp"
#include "actors/errors.hpp"
#include "storage/contact_repository.hpp"
#include "storage/agent_repository.hpp"
#include "storage/audit_repository.hpp"
#include "storage/community_repository.hpp"
#include "storage/directory_repository.hpp"
#include "storage/credential_repository.hpp"
#include "storage/database.hpp"
#include "storage/reputation_repository.hpp"
#include "storage/user_repository.hpp"

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

/// Runs a lookup; an empty answer becomes ec::not_found with `missing`.
template <class F>
auto run_find(reader_state& st, F query, const std::string& missing)
    -> caf::result<typename decltype(query(*st.sql))::value_type> {
  auto found = run(st, query);
  if (!found)
    return found.error();
  if (!*found)
    return make_error(ec::not_found, missing);
  return std::move(**found);
}

/// Runs a query whose answer is the reply as it is.
template <class F>
auto run_all(reader_state& st, F query) -> caf::result<decltype(query(*st.sql))> {
  auto found = run(st, query);
  if (!found)
    return found.error();
  return std::move(*found);
}

}  // namespace

reader_actor::behavior_type reader(reader_actor::stateful_pointer<reader_state> self,
                                   config::database_settings db) {
  self->state.db = std::move(db);
  return {
      [=](atom::get, const std::string& id) -> caf::result<agent_record> {
        return run_find(
            self->state, [&](storage::session& sql) { return storage::agents::find(sql, id); },
            "no agent with id " + id);
      },
      [=](atom::exists, const std::string& id) -> caf::result<bool> {
        return run_all(self->state,
                       [&](storage::session& sql) { return storage::agents::exists(sql, id); });
      },
      [=](atom::list, const agent_query& q) -> caf::result<agent_page> {
        return run_all(self->state,
                       [&](storage::session& sql) { return storage::agents::list(sql, q); });
      },
      [=](atom::online) -> caf::result<std::vector<std::string>> {
        return run_all(self->state,
                       [&](storage::session& sql) { return storage::agents::online_ids(sql); });
      },
      [=](atom::user_get, const std::string& id) -> caf::result<user_record> {
        return run_find(
            self->state, [&](storage::session& sql) { return storage::users::find(sql, id); },
            "no user with id " + id);
      },
      [=](atom::user_email, const std::string& email) -> caf::result<user_record> {
        // The email stays out of the message: errors end up in logs.
        return run_find(
            self->state,
            [&](storage::session& sql) { return storage::users::find_by_email(sql, email); },
            "no user with this email");
      },
      [=](atom::user_list, const user_query& q) -> caf::result<user_page> {
        return run_all(self->state,
                       [&](storage::session& sql) { return storage::users::list(sql, q); });
      },
      [=](atom::signed_in, const std::string& user_id,
          const std::string& family) -> caf::result<user_record> {
        auto live = run(self->state, [&](storage::session& sql) {
          return storage::credentials::family_live(sql, user_id, family, now_ms());
        });
        if (!live)
          return live.error();
        if (!*live)
          return make_error(ec::not_found, "the sign-in has ended");
        return run_find(
            self->state, [&](storage::session& sql) { return storage::users::find(sql, user_id); },
            "no user with id " + user_id);
      },
      [=](atom::cred_get, const std::string& hash) -> caf::result<credential> {
        return run_find(
            self->state,
            [&](storage::session& sql) { return storage::credentials::find(sql, hash); },
            "no such credential");
      },
      [=](atom::cred_list, const std::string& user_id,
            const std::string& kind) -> caf::result<std::vector<credential>> {
        return run_all(self->state, [&](storage::session& sql) {
          return storage::credentials::list(sql, user_id, kind);
        });
      },
      [=](atom::stats, const std::string& owner_id) -> caf::result<std::string> {
        return run_all(self->state, [&](storage::session& sql) {
          return storage::agents::stats(sql, owner_id, now_ms());
        });
      },
      [=](atom::audit, const audit_query& q) -> caf::result<std::vector<audit_entry>> {
        return run_all(self->state,
                       [&](storage::session& sql) { return storage::audit::list(sql, q); });
      },
      [=](atom::reputation, const std::string& id, int64_t before_seq,
          int32_t limit) -> caf::result<reputation_view> {
        return run_find(
            self->state,
            [&](storage::session& sql) -> std::optional<reputation_view> {
              if (!storage::agents::find(sql, id))
                return std::nullopt;
              reputation_view v;
              if (auto s = storage::scores::find(sql, id)) {
                v.scored = true;
                v.state = *s;
              }
              if (limit > 0)
                v.history = storage::scores::list(sql, id, before_seq, limit);
              return v;
            },
            "no agent with id " + id);
      },
      [=](atom::directory, const directory_query& q) -> caf::result<directory_page> {
        return run_all(self->state,
                       [&](storage::session& sql) { return storage::directory::list(sql, q); });
      },
      [=](atom::profile, const std::string& id) -> caf::result<agent_profile> {
        return run_find(
            self->state,
            [&](storage::session& sql) { return storage::directory::profile(sql, id); },
            "no agent with id " + id);
      },
      [=](atom::category, const std::string& id) -> caf::result<category> {
        return run_find(
            self->state, [&](storage::session& sql) { return storage::categories::find(sql, id); },
            "no category with id " + id);
      },
      [=](atom::categories) -> caf::result<std::vector<category>> {
        return run_all(self->state,
                       [&](storage::session& sql) { return storage::categories::list(sql); });
      },
      [=](atom::review, const std::string& id) -> caf::result<review> {
        return run_find(
            self->state, [&](storage::session& sql) { return storage::reviews::find(sql, id); },
            "no review with id " + id);
      },
      [=](atom::review_of, const std::string& agent_id,
          const std::string& user_id) -> caf::result<review> {
        return run_find(
            self->state,
            [&](storage::session& sql) { return storage::reviews::find_of(sql, agent_id, user_id); },
            "you have not reviewed agent " + agent_id);
      },
      [=](atom::reviews, const review_query& q) -> caf::result<review_page> {
        return run_all(self->state,
                       [&](storage::session& sql) { return storage::reviews::list(sql, q); });
      },
      [=](atom::summary, const std::string& agent_id) -> caf::result<review_summary> {
        return run_all(self->state, [&](storage::session& sql) {
          return storage::reviews::summary(sql, agent_id);
        });
      },
      [=](atom::report, const std::string& id) -> caf::result<report> {
        return run_find(
            self->state, [&](storage::session& sql) { return storage::reports::find(sql, id); },
            "no report with id " + id);
      },
      [=](atom::reports, const report_query& q) -> caf::result<report_page> {
        return run_all(self->state,
                       [&](storage::session& sql) { return storage::reports::list(sql, q); });
      },
      [=](atom::contacts, const std::string& agent_id) -> caf::result<std::vector<contact>> {
        return run_all(self->state, [&](storage::session& sql) {
          return storage::contacts::list(sql, agent_id);
        });
      },
      [=](atom::request, const std::string& id) -> caf::result<contact_request> {
        return run_find(
            self->state,
            [&](storage::session& sql) { return storage::contacts::find_request(sql, id); },
            "no contact request with id " + id);
      },
      [=](atom::requests, const contact_request_query& q) -> caf::result<contact_request_page> {
        return run_all(self->state, [&](storage::session& sql) {
          return storage::contacts::list_requests(sql, q);
        });
      },
      [=](atom::ping) -> caf::result<caf::ok_atom> {
        auto ok = run(self->state, [&](storage::session& sql) {
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

reader_actor spawn_readers(caf::actor_system& sys, const config::database_settings& db) {
  // Requests go to the readers round robin, with their sender kept, so each
  // reply goes straight back to whoever asked; the pool's end ends them.
  auto factory = [&sys, db] {
    return caf::actor_cast<caf::actor>(sys.spawn<caf::detached>(reader, db));
  };
  auto pool = caf::actor_pool::make(sys.dummy_execution_unit(),
                                    static_cast<size_t>(std::max(1, db.readers)), factory,
                                    caf::actor_pool::round_robin());
  return caf::actor_cast<reader_actor>(pool);
}

}  // namespace tessera
