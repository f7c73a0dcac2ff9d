#include "storage/reputation_repository.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "storage/agent_repository.hpp"
#include "storage/database.hpp"

namespace tessera::storage::scores {

std::optional<reputation::score_state> find(session& sql, const std::string& agent_id) {
  reputation::score_state s;
  long long updated_at = 0, events = 0, last_credit = 0;
  int pass_credited = 0;
  run found(sql,
            "SELECT score, updated_at, events, last_heartbeat_credit, pass_credited"
            " FROM agent_scores WHERE agent_id = :id",
            soci::into(s.score), soci::into(updated_at), soci::into(events),
            soci::into(last_credit), soci::into(pass_credited), soci::use(agent_id));
  if (!found.got_data())
    return std::nullopt;
  s.updated_at = updated_at;
  s.events = events;
  s.last_heartbeat_credit = last_credit;
  s.pass_credited = pass_credited != 0;
  return s;
}

bool record(session& sql, const reputation_change& c) {
  // Checked first: a foreign key violation would abort the writer's whole
  // transaction, not just this write.
  if (!agents::exists(sql, c.agent_id))
    return false;
  long long at = c.at, updated_at = c.state.updated_at, events = c.state.events,
            last_credit = c.state.last_heartbeat_credit;
  double before = c.score_before, after = c.score_after, score = c.state.score;
  run(sql,
      "INSERT INTO reputation_events (agent_id, kind, at, score_before, score_after)"
      " VALUES (:id, :k, :at, :b, :a)",
      soci::use(c.agent_id), soci::use(c.kind), soci::use(at), soci::use(before),
      soci::use(after));
  int pass_credited = c.state.pass_credited ? 1 : 0;
  run(sql,
      "INSERT INTO agent_scores (agent_id, score, updated_at, events, last_heartbeat_credit,"
      " pass_credited) VALUES (:id, :s, :u, :e, :h, :p)"
      " ON CONFLICT (agent_id) DO UPDATE SET score = excluded.score,"
      " updated_at = excluded.updated_at, events = excluded.events,"
      " last_heartbeat_credit = excluded.last_heartbeat_credit,"
      " pass_credited = excluded.pass_credited",
      soci::use(c.agent_id), soci::use(score), soci::use(updated_at), soci::use(events),
      soci::use(last_credit), soci::use(pass_credited));
  int cls = c.rank.cls;
  double mag = c.rank.mag;
  run(sql, "UPDATE agents SET rank_class = :c, rank_mag = :m WHERE id = :id", soci::use(cls),
      soci::use(mag), soci::use(c.agent_id));
  return true;
}

std::vector<reputation_entry> list(session& sql, const std::string& agent_id,
                                   int64_t before_seq, int limit) {
  long long before = before_seq > 0 ? before_seq : std::numeric_limits<long long>::max();
  int lim = std::max(1, limit);
  // Into variables, not soci::row: SOCI reads SQLite's INTEGER seq as a
  // 32-bit int through a row (see audit_repository.cpp).
  long long seq = 0, at = 0;
  reputation_entry e;
  soci::statement st =
      (sql.prepare << "SELECT seq, kind, at, score_before, score_after FROM reputation_events"
                      " WHERE agent_id = :id AND seq < :before ORDER BY seq DESC LIMIT :lim",
       soci::into(seq), soci::into(e.kind), soci::into(at), soci::into(e.score_before),
       soci::into(e.score_after), soci::use(agent_id), soci::use(before), soci::use(lim));
  st.execute();
  std::vector<reputation_entry> result;
  while (st.fetch()) {
    e.seq = seq;
    e.at = at;
    result.push_back(e);
  }
  return result;
}

}  // namespace tessera::storage::scores

namespace tessera::storage::scores {

void ensure_rank(session& sql, const reputation::reputation_params& params) {
  auto d = sql.get_backend_name() == "postgresql" ? dialect::postgres : dialect::sqlite;
  write_transaction tx(sql, d);
  double prior = 0;
  long long half_life = 0;
  sql << "SELECT prior, half_life_ms FROM reputation_rank_params WHERE id = 1", soci::into(prior),
      soci::into(half_life);
  if (sql.got_data() && prior == params.prior && half_life == params.half_life_ms)
    return;
  // Read first, then write: one statement's rows stay open while it fetches.
  std::vector<std::pair<std::string, reputation::score_state>> states;
  {
    std::string id;
    reputation::score_state s;
    long long updated_at = 0, events = 0, last_credit = 0;
    soci::statement read =
        (sql.prepare << "SELECT agent_id, score, updated_at, events, last_heartbeat_credit"
                        " FROM agent_scores",
         soci::into(id), soci::into(s.score), soci::into(updated_at), soci::into(events),
         soci::into(last_credit));
    read.execute();
    while (read.fetch()) {
      s.updated_at = updated_at;
      s.events = events;
      s.last_heartbeat_credit = last_credit;
      states.emplace_back(id, s);
    }
  }
  std::string id;
  int cls = 0;
  double mag = 0;
  soci::statement update =
      (sql.prepare << "UPDATE agents SET rank_class = :c, rank_mag = :m WHERE id = :id",
       soci::use(cls), soci::use(mag), soci::use(id));
  for (const auto& [agent_id, state] : states) {
    auto rank = reputation::rank_of(state, params);
    id = agent_id;
    cls = rank.cls;
    mag = rank.mag;
    update.execute(true);
  }
  long long new_half_life = params.half_life_ms;
  double new_prior = params.prior;
  sql << "DELETE FROM reputation_rank_params";
  sql << "INSERT INTO reputation_rank_params (id, prior, half_life_ms) VALUES (1, :p, :h)",
      soci::use(new_prior), soci::use(new_half_life);
  tx.commit();
}

}  // namespace tessera::storage::scores
