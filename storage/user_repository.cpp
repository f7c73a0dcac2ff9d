#include "storage/user_repository.hpp"

#include <algorithm>

#include "storage/like_pattern.hpp"

namespace tessera::storage::users {

namespace {

constexpr const char* columns =
    "id, email, display_name, role, password_hash, created_at, updated_at";

user_record from_row(const soci::row& r) {
  user_record rec;
  rec.id = r.get<std::string>(0);
  rec.email = r.get<std::string>(1);
  rec.display_name = r.get<std::string>(2);
  rec.role = r.get<std::string>(3);
  rec.password_hash = r.get<std::string>(4);
  rec.created_at = r.get<long long>(5);
  rec.updated_at = r.get<long long>(6);
  return rec;
}

std::optional<user_record> find_by(session& sql, const char* column,
                                   const std::string& value) {
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT " << columns << " FROM users WHERE " << column << " = :v",
       soci::use(value));
  for (const auto& r : rows)
    return from_row(r);
  return std::nullopt;
}

}  // namespace

bool insert(session& sql, const user_record& rec) {
  // Checked first: a failed statement would abort a PostgreSQL transaction,
  // and with it every other write of the batch.
  int n = 0;
  sql << "SELECT COUNT(*) FROM users WHERE email = :e OR id = :id", soci::use(rec.email),
      soci::use(rec.id), soci::into(n);
  if (n > 0)
    return false;
  long long created = rec.created_at, updated = rec.updated_at;
  sql << "INSERT INTO users (" << columns << ") VALUES (:id, :e, :d, :r, :p, :c, :u)",
      soci::use(rec.id), soci::use(rec.email), soci::use(rec.display_name), soci::use(rec.role),
      soci::use(rec.password_hash), soci::use(created), soci::use(updated);
  return true;
}

bool update(session& sql, const user_record& rec) {
  long long updated = rec.updated_at;
  // Only the fields given change: two requests that each change one field
  // (a demotion, a password change) must not write back each other's old
  // values.
  soci::statement st = (sql.prepare << "UPDATE users SET"
                                       " display_name = COALESCE(NULLIF(:d, ''), display_name),"
                                       " password_hash = COALESCE(NULLIF(:p, ''), password_hash),"
                                       " role = COALESCE(NULLIF(:r, ''), role),"
                                       " updated_at = :u WHERE id = :id",
                        soci::use(rec.display_name), soci::use(rec.password_hash),
                        soci::use(rec.role), soci::use(updated), soci::use(rec.id));
  st.execute(true);
  return st.get_affected_rows() > 0;
}

bool remove(session& sql, const std::string& id) {
  soci::statement st = (sql.prepare << "DELETE FROM users WHERE id = :id", soci::use(id));
  st.execute(true);
  return st.get_affected_rows() > 0;
}

std::optional<user_record> find(session& sql, const std::string& id) {
  return find_by(sql, "id", id);
}

std::optional<user_record> find_by_email(session& sql, const std::string& email) {
  return find_by(sql, "email", email);
}

user_page list(session& sql, const user_query& q) {
  // As agents::list: one fixed statement, '' = no filter, each placeholder
  // used once, one extra row to tell whether there is a next page.
  int page_size = std::max(1, q.limit);
  int limit = page_size + 1;
  auto pattern = contains_pattern(q.search);
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT " << columns << " FROM users WHERE id > :after"
                   << " AND (:r1 = '' OR role = :r2)"
                   << " AND (:q1 = '' OR " << lower_ascii(sql, "email") << " LIKE :q2 ESCAPE '!'"
                   << " OR " << lower_ascii(sql, "display_name") << " LIKE :q3 ESCAPE '!')"
                   << " ORDER BY id LIMIT :lim",
       soci::use(q.after_id), soci::use(q.role), soci::use(q.role), soci::use(q.search),
       soci::use(pattern), soci::use(pattern), soci::use(limit));
  user_page page;
  for (const auto& r : rows)
    page.users.push_back(from_row(r));
  if (page.users.size() > static_cast<size_t>(page_size)) {
    page.users.pop_back();
    page.next_after_id = page.users.back().id;
  }
  return page;
}

size_t count(session& sql, const std::string& role) {
  long long n = 0;
  sql << "SELECT COUNT(*) FROM users WHERE :r1 = '' OR role = :r2", soci::use(role),
      soci::use(role), soci::into(n);
  return static_cast<size_t>(n);
}

}  // namespace tessera::storage::users
