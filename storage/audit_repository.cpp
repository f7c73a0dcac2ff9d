#include "storage/audit_repository.hpp"

#include <algorithm>
#include <limits>

namespace tessera::storage::audit {

void append(session& sql, const audit_entry& e) {
  long long at = e.at;
  run(sql,
      "INSERT INTO audit_log (at, action, actor, target, remote, detail, prev_hash, hash)"
      " VALUES (:at, :ac, :actor, :t, :r, :d, :p, :h)",
      soci::use(at), soci::use(e.action), soci::use(e.actor), soci::use(e.target),
      soci::use(e.remote), soci::use(e.detail), soci::use(e.prev_hash), soci::use(e.hash));
}

std::string last_hash(session& sql) {
  soci::rowset<std::string> rows =
      (sql.prepare << "SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  for (const auto& h : rows)
    return h;
  return "";
}

std::vector<audit_entry> list(session& sql, const audit_query& q) {
  long long before = q.before_seq > 0 ? q.before_seq : std::numeric_limits<long long>::max();
  int limit = std::max(1, q.limit);
  // Fetched into variables, not soci::row: SOCI reads SQLite's INTEGER seq
  // (the rowid alias must be declared so) as a 32-bit int through a row.
  long long seq = 0, at = 0;
  audit_entry e;
  soci::statement st =
      (sql.prepare << "SELECT seq, at, action, actor, target, remote, detail, prev_hash, hash"
                      " FROM audit_log WHERE seq < :before AND (:a1 = '' OR action = :a2)"
                      " ORDER BY seq DESC LIMIT :lim",
       soci::into(seq), soci::into(at), soci::into(e.action), soci::into(e.actor),
       soci::into(e.target), soci::into(e.remote), soci::into(e.detail), soci::into(e.prev_hash),
       soci::into(e.hash), soci::use(before), soci::use(q.action), soci::use(q.action),
       soci::use(limit));
  st.execute();
  std::vector<audit_entry> result;
  while (st.fetch()) {
    e.seq = seq;
    e.at = at;
    result.push_back(e);
  }
  return result;
}

}  // namespace tessera::storage::audit
