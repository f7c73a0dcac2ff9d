#include "storage/community_repository.hpp"

#include <algorithm>
#include <limits>
#include <set>

namespace tessera::storage {

// Named, so that unity builds (several sources in one translation unit) can't
// mix these helpers up with another file's.
namespace community_sql {
namespace {

/// Runs a prepared statement and tells whether it changed a row.
bool changed(soci::statement& st) {
  st.execute(true);
  return st.get_affected_rows() > 0;
}

/// Whether `sql_count` (one placeholder) counts a row for `key`. Existence is
/// checked before writing: a failed statement would abort a PostgreSQL
/// transaction, and with it every other write of the batch.
bool exists(session& sql, const char* sql_count, const std::string& key) {
  long long n = 0;
  sql << sql_count, soci::use(key), soci::into(n);
  return n > 0;
}

bool agent_exists(session& sql, const std::string& id) {
  return exists(sql, "SELECT COUNT(*) FROM agents WHERE id = :id", id);
}

/// The keyset of a newest-first listing: rows strictly after (at, id) in
/// (time desc, id asc) order; without a token, from the newest (every time
/// is below the largest one).
struct keyset {
  long long at = std::numeric_limits<long long>::max();
  std::string id;
};

keyset after(bool has_after, int64_t at, const std::string& id) {
  if (!has_after)
    return {};
  return {at, id};
}

}  // namespace
}  // namespace community_sql

namespace categories {

using community_sql::agent_exists;
using community_sql::changed;
using community_sql::exists;

namespace {

constexpr const char* columns = "id, name, description, created_at, updated_at";

category from_row(const soci::row& r) {
  category c;
  c.id = r.get<std::string>(0);
  c.name = r.get<std::string>(1);
  c.description = r.get<std::string>(2);
  c.created_at = r.get<long long>(3);
  c.updated_at = r.get<long long>(4);
  return c;
}

}  // namespace

bool insert(session& sql, const category& c) {
  if (exists(sql, "SELECT COUNT(*) FROM categories WHERE id = :id", c.id))
    return false;
  long long created = c.created_at, updated = c.updated_at;
  sql << "INSERT INTO categories (" << columns << ") VALUES (:id, :n, :d, :c, :u)", soci::use(c.id),
      soci::use(c.name), soci::use(c.description), soci::use(created), soci::use(updated);
  return true;
}

bool update(session& sql, const category& c) {
  long long updated = c.updated_at;
  soci::statement st =
      (sql.prepare << "UPDATE categories SET name = :n, description = :d,"
                      " updated_at = :u WHERE id = :id",
       soci::use(c.name), soci::use(c.description), soci::use(updated), soci::use(c.id));
  return changed(st);
}

bool remove(session& sql, const std::string& id) {
  soci::statement st = (sql.prepare << "DELETE FROM categories WHERE id = :id", soci::use(id));
  if (!changed(st))
    return false;
  sql << "DELETE FROM agent_categories WHERE category_id = :id", soci::use(id);
  return true;
}

std::optional<category> find(session& sql, const std::string& id) {
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT " << columns << " FROM categories WHERE id = :id", soci::use(id));
  for (const auto& r : rows)
    return from_row(r);
  return std::nullopt;
}

std::vector<category> list(session& sql) {
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT " << columns << " FROM categories ORDER BY id");
  std::vector<category> out;
  for (const auto& r : rows)
    out.push_back(from_row(r));
  return out;
}

bool assign(session& sql, const std::string& agent_id, const std::vector<std::string>& ids) {
  std::set<std::string> unique(ids.begin(), ids.end());
  if (!agent_exists(sql, agent_id))
    return false;
  for (const auto& id : unique)
    if (!exists(sql, "SELECT COUNT(*) FROM categories WHERE id = :id", id))
      return false;
  sql << "DELETE FROM agent_categories WHERE agent_id = :a", soci::use(agent_id);
  for (const auto& id : unique)
    sql << "INSERT INTO agent_categories (agent_id, category_id) VALUES (:a, :c)",
        soci::use(agent_id), soci::use(id);
  return true;
}

std::vector<std::string> of_agent(session& sql, const std::string& agent_id) {
  soci::rowset<std::string> rows =
      (sql.prepare << "SELECT category_id FROM agent_categories WHERE agent_id = :a"
                      " ORDER BY category_id",
       soci::use(agent_id));
  return {rows.begin(), rows.end()};
}

void unassign_agent(session& sql, const std::string& agent_id) {
  sql << "DELETE FROM agent_categories WHERE agent_id = :a", soci::use(agent_id);
}

}  // namespace categories

namespace reviews {

using community_sql::after;
using community_sql::agent_exists;
using community_sql::changed;

namespace {

// The author's display name comes from users ("" should the user be gone:
// their reviews are deleted with them, in the same transaction).
constexpr const char* review_select =
    "SELECT r.id, r.agent_id, r.user_id, COALESCE(u.display_name, ''), r.rating, r.text,"
    " r.created_at, r.updated_at, r.credited, r.deleted_at"
    " FROM reviews r LEFT JOIN users u ON u.id = r.user_id";

review from_row(const soci::row& r) {
  review rev;
  rev.id = r.get<std::string>(0);
  rev.agent_id = r.get<std::string>(1);
  rev.user_id = r.get<std::string>(2);
  rev.author = r.get<std::string>(3);
  rev.rating = r.get<int>(4);
  rev.text = r.get<std::string>(5);
  rev.created_at = r.get<long long>(6);
  rev.updated_at = r.get<long long>(7);
  rev.credited = r.get<std::string>(8);
  rev.deleted = r.get<long long>(9) != 0;
  return rev;
}

}  // namespace

bool put(session& sql, const review& r) {
  if (!agent_exists(sql, r.agent_id))
    return false;
  int rating = r.rating;
  long long created = r.created_at, updated = r.updated_at;
  soci::statement st =
      (sql.prepare << "UPDATE reviews SET rating = :r, text = :t, created_at = :c,"
                      " updated_at = :u, credited = :cr, deleted_at = 0"
                      " WHERE agent_id = :a AND user_id = :usr",
       soci::use(rating), soci::use(r.text), soci::use(created), soci::use(updated),
       soci::use(r.credited), soci::use(r.agent_id), soci::use(r.user_id));
  if (changed(st))
    return true;
  sql << "INSERT INTO reviews (id, agent_id, user_id, rating, text, created_at, updated_at,"
         " credited, deleted_at) VALUES (:id, :a, :usr, :r, :t, :c, :u, :cr, 0)",
      soci::use(r.id), soci::use(r.agent_id), soci::use(r.user_id), soci::use(rating),
      soci::use(r.text), soci::use(created), soci::use(updated), soci::use(r.credited);
  return true;
}

bool remove(session& sql, const std::string& id, const std::string& user_id, int64_t at) {
  long long when = std::max<int64_t>(at, 1);  // 0 means live
  soci::statement st = (sql.prepare << "UPDATE reviews SET deleted_at = :at WHERE id = :id"
                                       " AND deleted_at = 0 AND (:u1 = '' OR user_id = :u2)",
                        soci::use(when), soci::use(id), soci::use(user_id), soci::use(user_id));
  return changed(st);
}

std::optional<review> find(session& sql, const std::string& id) {
  soci::rowset<soci::row> rows =
      (sql.prepare << review_select << " WHERE r.id = :id AND r.deleted_at = 0", soci::use(id));
  for (const auto& r : rows)
    return from_row(r);
  return std::nullopt;
}

std::optional<review> find_of(session& sql, const std::string& agent_id,
                              const std::string& user_id) {
  soci::rowset<soci::row> rows =
      (sql.prepare << review_select << " WHERE r.agent_id = :a AND r.user_id = :u",
       soci::use(agent_id), soci::use(user_id));
  for (const auto& r : rows)
    return from_row(r);
  return std::nullopt;
}

review_page list(session& sql, const review_query& q) {
  int page_size = std::max(1, q.limit);
  int limit = page_size + 1;
  auto k = after(q.has_after, q.after_at, q.after_id);
  soci::rowset<soci::row> rows =
      (sql.prepare << review_select << " WHERE r.agent_id = :a AND r.deleted_at = 0"
                   << " AND (r.created_at < :at1 OR (r.created_at = :at2 AND r.id > :id))"
                   << " ORDER BY r.created_at DESC, r.id LIMIT :lim",
       soci::use(q.agent_id), soci::use(k.at), soci::use(k.at), soci::use(k.id), soci::use(limit));
  review_page page;
  for (const auto& r : rows)
    page.reviews.push_back(from_row(r));
  if (page.reviews.size() > static_cast<size_t>(page_size)) {
    page.reviews.pop_back();
    page.more = true;
  }
  return page;
}

review_summary summary(session& sql, const std::string& agent_id) {
  review_summary s;
  long long by_rating[5] = {0, 0, 0, 0, 0};
  sql << "SELECT"
         " COALESCE(SUM(CASE WHEN rating = 1 THEN 1 ELSE 0 END), 0),"
         " COALESCE(SUM(CASE WHEN rating = 2 THEN 1 ELSE 0 END), 0),"
         " COALESCE(SUM(CASE WHEN rating = 3 THEN 1 ELSE 0 END), 0),"
         " COALESCE(SUM(CASE WHEN rating = 4 THEN 1 ELSE 0 END), 0),"
         " COALESCE(SUM(CASE WHEN rating = 5 THEN 1 ELSE 0 END), 0)"
         " FROM reviews WHERE agent_id = :a AND deleted_at = 0",
      soci::use(agent_id), soci::into(by_rating[0]), soci::into(by_rating[1]),
      soci::into(by_rating[2]), soci::into(by_rating[3]), soci::into(by_rating[4]);
  long long stars = 0;
  for (int i = 0; i < 5; ++i) {
    s.distribution[static_cast<size_t>(i)] = by_rating[i];
    s.count += by_rating[i];
    stars += by_rating[i] * (i + 1);
  }
  s.average = s.count > 0 ? static_cast<double>(stars) / static_cast<double>(s.count) : 0;
  return s;
}

void hide_for_agent(session& sql, const std::string& agent_id) {
  // updated_at is never 0, so it serves as the time of deletion.
  sql << "UPDATE reviews SET deleted_at = updated_at WHERE agent_id = :a AND deleted_at = 0",
      soci::use(agent_id);
}

void remove_for_user(session& sql, const std::string& user_id) {
  sql << "DELETE FROM reviews WHERE user_id = :u", soci::use(user_id);
}

}  // namespace reviews

namespace reports {

using community_sql::after;
using community_sql::changed;

namespace {

constexpr const char* columns =
    "id, reporter_id, target_kind, target_id, reason, details, status, note, resolved_by,"
    " created_at, updated_at";

report from_row(const soci::row& r) {
  report rep;
  rep.id = r.get<std::string>(0);
  rep.reporter_id = r.get<std::string>(1);
  rep.target_kind = r.get<std::string>(2);
  rep.target_id = r.get<std::string>(3);
  rep.reason = r.get<std::string>(4);
  rep.details = r.get<std::string>(5);
  rep.status = r.get<std::string>(6);
  rep.note = r.get<std::string>(7);
  rep.resolved_by = r.get<std::string>(8);
  rep.created_at = r.get<long long>(9);
  rep.updated_at = r.get<long long>(10);
  return rep;
}

}  // namespace

void insert(session& sql, const report& r) {
  long long created = r.created_at, updated = r.updated_at;
  sql << "INSERT INTO reports (" << columns
      << ") VALUES (:id, :rep, :k, :t, :r, :d, :s, :n, :by, :c, :u)",
      soci::use(r.id), soci::use(r.reporter_id), soci::use(r.target_kind), soci::use(r.target_id),
      soci::use(r.reason), soci::use(r.details), soci::use(r.status), soci::use(r.note),
      soci::use(r.resolved_by), soci::use(created), soci::use(updated);
}

int64_t open_count(session& sql, const std::string& reporter_id) {
  long long n = 0;
  sql << "SELECT COUNT(*) FROM reports WHERE reporter_id = :r AND status = 'open'",
      soci::use(reporter_id), soci::into(n);
  return n;
}

std::optional<std::string> open_on(session& sql, const std::string& reporter_id,
                                   const std::string& target_kind, const std::string& target_id) {
  std::string id;
  sql << "SELECT id FROM reports WHERE reporter_id = :r AND status = 'open'"
         " AND target_kind = :k AND target_id = :t",
      soci::use(reporter_id), soci::use(target_kind), soci::use(target_id), soci::into(id);
  if (!sql.got_data())
    return std::nullopt;
  return id;
}

bool update(session& sql, const report& r) {
  long long updated = r.updated_at;
  soci::statement st = (sql.prepare << "UPDATE reports SET status = :s, note = :n,"
                                       " resolved_by = :by, updated_at = :u WHERE id = :id",
                        soci::use(r.status), soci::use(r.note), soci::use(r.resolved_by),
                        soci::use(updated), soci::use(r.id));
  return changed(st);
}

bool remove(session& sql, const std::string& id) {
  soci::statement st = (sql.prepare << "DELETE FROM reports WHERE id = :id", soci::use(id));
  return changed(st);
}

std::optional<report> find(session& sql, const std::string& id) {
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT " << columns << " FROM reports WHERE id = :id", soci::use(id));
  for (const auto& r : rows)
    return from_row(r);
  return std::nullopt;
}

report_page list(session& sql, const report_query& q) {
  int page_size = std::max(1, q.limit);
  int limit = page_size + 1;
  auto k = after(q.has_after, q.after_at, q.after_id);
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT " << columns << " FROM reports WHERE (:s1 = '' OR status = :s2)"
                   << " AND (created_at < :at1 OR (created_at = :at2 AND id > :id))"
                   << " ORDER BY created_at DESC, id LIMIT :lim",
       soci::use(q.status), soci::use(q.status), soci::use(k.at), soci::use(k.at), soci::use(k.id),
       soci::use(limit));
  report_page page;
  for (const auto& r : rows)
    page.reports.push_back(from_row(r));
  if (page.reports.size() > static_cast<size_t>(page_size)) {
    page.reports.pop_back();
    page.more = true;
  }
  return page;
}

}  // namespace reports

}  // namespace tessera::storage
