#include "storage/credential_repository.hpp"

namespace tessera::storage::credentials {

namespace {

constexpr const char* columns =
    "hash, kind, id, user_id, family, agent_id, name, prefix, created_at, expires_at, used_at,"
    " revoked_at";

credential from_row(const soci::row& r) {
  credential c;
  c.hash = r.get<std::string>(0);
  c.kind = r.get<std::string>(1);
  c.id = r.get<std::string>(2);
  c.user_id = r.get<std::string>(3);
  c.family = r.get<std::string>(4);
  c.agent_id = r.get<std::string>(5);
  c.name = r.get<std::string>(6);
  c.prefix = r.get<std::string>(7);
  c.created_at = r.get<long long>(8);
  c.expires_at = r.get<long long>(9);
  c.used_at = r.get<long long>(10);
  c.revoked_at = r.get<long long>(11);
  return c;
}

/// Runs a prepared statement and tells whether it changed a row.
bool changed(soci::statement& st) {
  st.execute(true);
  return st.get_affected_rows() > 0;
}

}  // namespace

bool insert(session& sql, const credential& c) {
  // Checked first: a failed statement would abort a PostgreSQL transaction,
  // and with it every other write of the batch.
  int n = 0;
  sql << "SELECT COUNT(*) FROM credentials WHERE hash = :h"
         " OR (kind = 'api_key' AND :k = 'api_key' AND id = :id)",
      soci::use(c.hash), soci::use(c.kind), soci::use(c.id), soci::into(n);
  if (n > 0)
    return false;
  long long created = c.created_at, expires = c.expires_at, used = c.used_at,
            revoked = c.revoked_at;
  sql << "INSERT INTO credentials (" << columns
      << ") VALUES (:h, :k, :id, :u, :f, :a, :n, :p, :c, :e, :used, :r)",
      soci::use(c.hash), soci::use(c.kind), soci::use(c.id), soci::use(c.user_id),
      soci::use(c.family), soci::use(c.agent_id), soci::use(c.name), soci::use(c.prefix),
      soci::use(created), soci::use(expires), soci::use(used), soci::use(revoked);
  return true;
}

bool mark_refresh_used(session& sql, const std::string& hash, int64_t at) {
  long long t = at;
  soci::statement st = (sql.prepare << "UPDATE credentials SET used_at = :at WHERE hash = :h"
                                       " AND kind = 'refresh' AND used_at = 0 AND revoked_at = 0",
                        soci::use(t), soci::use(hash));
  return changed(st);
}

void revoke_family(session& sql, const std::string& family, int64_t at) {
  long long t = at;
  sql << "UPDATE credentials SET revoked_at = :at WHERE family = :f AND kind = 'refresh'"
         " AND revoked_at = 0",
      soci::use(t), soci::use(family);
}

bool family_live(session& sql, const std::string& user_id, const std::string& family,
                 int64_t now) {
  long long t = now;
  int n = 0;
  sql << "SELECT COUNT(*) FROM credentials WHERE family = :f AND user_id = :u"
         " AND kind = 'refresh' AND revoked_at = 0 AND used_at = 0 AND expires_at > :now",
      soci::into(n), soci::use(family), soci::use(user_id), soci::use(t);
  return n > 0;
}

void revoke_user_refresh(session& sql, const std::string& user_id, int64_t at) {
  long long t = at;
  sql << "UPDATE credentials SET revoked_at = :at WHERE user_id = :u AND kind = 'refresh'"
         " AND revoked_at = 0",
      soci::use(t), soci::use(user_id);
}

bool revoke_api_key(session& sql, const std::string& key_id, const std::string& user_id,
                    int64_t at) {
  long long t = at;
  soci::statement st = (sql.prepare << "UPDATE credentials SET revoked_at = :at WHERE id = :id"
                                       " AND user_id = :u AND kind = 'api_key' AND revoked_at = 0",
                        soci::use(t), soci::use(key_id), soci::use(user_id));
  return changed(st);
}

void touch(session& sql, const std::string& hash, int64_t at) {
  long long t = at;
  sql << "UPDATE credentials SET used_at = :a1 WHERE hash = :h AND kind = 'api_key'"
         " AND used_at < :a2", soci::use(t),
      soci::use(hash), soci::use(t);
}

bool use_claim(session& sql, const std::string& hash, const std::string& agent_id,
               int64_t at) {
  long long t = at;
  soci::statement st =
      (sql.prepare << "UPDATE credentials SET used_at = :a1, agent_id = :agent WHERE hash = :h"
                      " AND kind = 'claim' AND used_at = 0 AND revoked_at = 0 AND expires_at > :a2",
       soci::use(t), soci::use(agent_id), soci::use(hash), soci::use(t));
  return changed(st);
}

void remove_for_user(session& sql, const std::string& user_id) {
  sql << "DELETE FROM credentials WHERE user_id = :u", soci::use(user_id);
}

std::optional<credential> find(session& sql, const std::string& hash) {
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT " << columns << " FROM credentials WHERE hash = :h",
       soci::use(hash));
  for (const auto& r : rows)
    return from_row(r);
  return std::nullopt;
}

std::vector<credential> list(session& sql, const std::string& user_id,
                             const std::string& kind) {
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT " << columns << " FROM credentials WHERE user_id = :u"
                   << " AND kind = :k ORDER BY created_at, hash",
       soci::use(user_id), soci::use(kind));
  std::vector<credential> result;
  for (const auto& r : rows)
    result.push_back(from_row(r));
  return result;
}

size_t count_active_api_keys(session& sql, const std::string& user_id, int64_t now) {
  long long n = 0, t = now;
  sql << "SELECT COUNT(*) FROM credentials WHERE kind = 'api_key' AND revoked_at = 0"
         " AND (expires_at = 0 OR expires_at > :now) AND (:u1 = '' OR user_id = :u2)",
      soci::use(t), soci::use(user_id), soci::use(user_id), soci::into(n);
  return static_cast<size_t>(n);
}

}  // namespace tessera::storage::credentials
