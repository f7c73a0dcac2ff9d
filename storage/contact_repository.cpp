#include "storage/contact_repository.hpp"

#include "storage/agent_repository.hpp"

#include <algorithm>
#include <limits>

namespace tessera::storage::contacts {

// Named, so that unity builds (several sources in one translation unit) can't
// mix these helpers up with another file's.
namespace contact_sql {
namespace {

/// Runs a prepared statement and tells whether it changed a row.
bool changed(soci::statement& st) {
  st.execute(true);
  return st.get_affected_rows() > 0;
}

/// Existence is checked before writing: a failed statement would abort a
/// PostgreSQL transaction, and with it every other write of the batch.
long long count_of(session& sql, const char* sql_count, const std::string& a,
                   const std::string& b) {
  long long n = 0;
  sql << sql_count, soci::use(a), soci::use(b), soci::into(n);
  return n;
}

constexpr const char* request_columns =
    "id, from_id, to_id, message, status, created_at, updated_at";

contact_request request_from_row(const soci::row& r) {
  contact_request q;
  q.id = r.get<std::string>(0);
  q.from_id = r.get<std::string>(1);
  q.to_id = r.get<std::string>(2);
  q.message = r.get<std::string>(3);
  q.status = r.get<std::string>(4);
  q.created_at = r.get<long long>(5);
  q.updated_at = r.get<long long>(6);
  return q;
}

}  // namespace
}  // namespace contact_sql

using contact_sql::changed;
using contact_sql::count_of;

add_result add(session& sql, const std::string& agent_id, const std::string& contact_id,
               int64_t at) {
  if (!agents::exists(sql, agent_id) || !agents::exists(sql, contact_id))
    return add_result::no_agent;
  if (count_of(sql, "SELECT COUNT(*) FROM contacts WHERE agent_id = :a AND contact_id = :c",
               agent_id, contact_id) > 0)
    return add_result::present;
  long long listed = 0;
  sql << "SELECT COUNT(*) FROM contacts WHERE agent_id = :a", soci::use(agent_id),
      soci::into(listed);
  if (listed >= static_cast<long long>(tessera::contacts::max_contacts_per_agent))
    return add_result::full;
  long long created = at;
  sql << "INSERT INTO contacts (agent_id, contact_id, created_at) VALUES (:a, :c, :t)",
      soci::use(agent_id), soci::use(contact_id), soci::use(created);
  return add_result::added;
}

bool remove(session& sql, const std::string& agent_id, const std::string& contact_id) {
  soci::statement st =
      (sql.prepare << "DELETE FROM contacts WHERE agent_id = :a AND contact_id = :c",
       soci::use(agent_id), soci::use(contact_id));
  return changed(st);
}

std::vector<contact> list(session& sql, const std::string& agent_id) {
  // The reverse row, if any, makes the pair mutual.
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT c.contact_id, c.created_at, COALESCE(r.agent_id, '')"
                      " FROM contacts c LEFT JOIN contacts r"
                      " ON r.agent_id = c.contact_id AND r.contact_id = c.agent_id"
                      " WHERE c.agent_id = :a ORDER BY c.contact_id",
       soci::use(agent_id));
  std::vector<contact> out;
  for (const auto& r : rows) {
    contact c;
    c.agent_id = agent_id;
    c.contact_id = r.get<std::string>(0);
    c.created_at = r.get<long long>(1);
    c.mutual = !r.get<std::string>(2).empty();
    out.push_back(std::move(c));
  }
  return out;
}

void remove_agent(session& sql, const std::string& agent_id) {
  sql << "DELETE FROM contacts WHERE agent_id = :a", soci::use(agent_id);
  sql << "DELETE FROM contacts WHERE contact_id = :a", soci::use(agent_id);
  sql << "DELETE FROM contact_requests WHERE from_id = :a1 OR to_id = :a2", soci::use(agent_id),
      soci::use(agent_id);
}

void insert_request(session& sql, const contact_request& r) {
  long long created = r.created_at, updated = r.updated_at;
  sql << "INSERT INTO contact_requests (" << contact_sql::request_columns
      << ") VALUES (:id, :f, :t, :m, :s, :c, :u)",
      soci::use(r.id), soci::use(r.from_id), soci::use(r.to_id), soci::use(r.message),
      soci::use(r.status), soci::use(created), soci::use(updated);
}

std::optional<contact_request> find_request(session& sql, const std::string& id) {
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT " << contact_sql::request_columns
                   << " FROM contact_requests WHERE id = :id",
       soci::use(id));
  for (const auto& r : rows)
    return contact_sql::request_from_row(r);
  return std::nullopt;
}

std::optional<std::string> pending_between(session& sql, const std::string& from_id,
                                           const std::string& to_id) {
  std::string id;
  sql << "SELECT id FROM contact_requests WHERE from_id = :f AND to_id = :t"
         " AND status = 'pending'",
      soci::use(from_id), soci::use(to_id), soci::into(id);
  if (!sql.got_data())
    return std::nullopt;
  return id;
}

int64_t pending_sent(session& sql, const std::string& from_id) {
  long long n = 0;
  sql << "SELECT COUNT(*) FROM contact_requests WHERE from_id = :f AND status = 'pending'",
      soci::use(from_id), soci::into(n);
  return n;
}

int64_t pending_received(session& sql, const std::string& to_id) {
  long long n = 0;
  sql << "SELECT COUNT(*) FROM contact_requests WHERE to_id = :t AND status = 'pending'",
      soci::use(to_id), soci::into(n);
  return n;
}

bool update_request(session& sql, const std::string& id, const std::string& status,
                    int64_t at) {
  long long updated = at;
  soci::statement st =
      (sql.prepare << "UPDATE contact_requests SET status = :s, updated_at = :u WHERE id = :id",
       soci::use(status), soci::use(updated), soci::use(id));
  return changed(st);
}

contact_request_page list_requests(session& sql, const contact_request_query& q) {
  int page_size = std::max(1, q.limit);
  int limit = page_size + 1;
  // Without a token, from the newest (every time is below the largest one).
  long long at = q.has_after ? q.after_at : std::numeric_limits<long long>::max();
  std::string after_id = q.has_after ? q.after_id : std::string{};
  const char* whose = q.direction == "sent" ? "from_id" : "to_id";
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT " << contact_sql::request_columns << " FROM contact_requests"
                   << " WHERE " << whose << " = :a AND (:s1 = '' OR status = :s2)"
                   << " AND (created_at < :at1 OR (created_at = :at2 AND id > :id))"
                   << " ORDER BY created_at DESC, id LIMIT :lim",
       soci::use(q.agent_id), soci::use(q.status), soci::use(q.status), soci::use(at),
       soci::use(at), soci::use(after_id), soci::use(limit));
  contact_request_page page;
  for (const auto& r : rows)
    page.requests.push_back(contact_sql::request_from_row(r));
  if (page.requests.size() > static_cast<size_t>(page_size)) {
    page.requests.pop_back();
    page.has_more = true;
  }
  return page;
}

}  // namespace tessera::storage::contacts
