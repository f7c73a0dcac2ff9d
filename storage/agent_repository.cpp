#include "storage/agent_repository.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "storage/community_repository.hpp"
#include "storage/contact_repository.hpp"
#include "storage/credential_repository.hpp"
#include "storage/directory_repository.hpp"
#include "storage/reputation_repository.hpp"
#include "storage/like_pattern.hpp"
#include "storage/user_repository.hpp"

namespace tessera::storage::agents {

namespace {

void insert_terms(session& sql, const agent_record& rec) {
  auto put = [&](const char* kind, const std::vector<std::string>& values) {
    std::string k = kind;
    // card::parse makes each list free of duplicates (the primary key relies on it).
    for (const auto& v : values)
      run(sql, "INSERT INTO agent_terms (agent_id, kind, value) VALUES (:id, :k, :v)",
          soci::use(rec.id), soci::use(k), soci::use(v));
  };
  put("protocol", rec.protocols);
  put("skill", rec.skills);
  put("tag", rec.tags);
}

agent_record from_row(const soci::row& r) {
  agent_record rec;
  rec.id = r.get<std::string>(0);
  rec.card = r.get<std::string>(1);
  rec.name = r.get<std::string>(2);
  rec.status = r.get<std::string>(3);
  rec.registered_at = r.get<long long>(4);
  rec.updated_at = r.get<long long>(5);
  rec.last_seen = r.get<long long>(6);
  rec.owner_id = r.get<std::string>(7);
  rec.url = r.get<std::string>(8);
  rec.verified = r.get<int>(9) != 0;
  rec.verified_at = r.get<long long>(10);
  return rec;
}

constexpr const char* columns = "id, card, name, status, registered_at, updated_at, last_seen,"
                                " owner_id, url, verified, verified_at";

}  // namespace

bool insert(session& sql, const agent_record& rec) {
  if (exists(sql, rec.id))
    return false;
  long long registered = rec.registered_at, updated = rec.updated_at, seen = rec.last_seen;
  // Never verified on arrival: only the verifier (or an admin) sets that.
  run(sql,
      "INSERT INTO agents (id, card, name, status, registered_at, updated_at, last_seen,"
      " owner_id, url) VALUES (:id, :card, :name, :status, :r, :u, :s, :o, :url)",
      soci::use(rec.id), soci::use(rec.card), soci::use(rec.name), soci::use(rec.status),
      soci::use(registered), soci::use(updated), soci::use(seen), soci::use(rec.owner_id),
      soci::use(rec.url));
  insert_terms(sql, rec);
  directory::index_agent(sql, rec);
  return true;
}

bool replace_card(session& sql, const agent_record& rec) {
  long long updated = rec.updated_at;
  // A new url has not proved anything yet: verification goes with the old one.
  soci::statement st =
      (sql.prepare << "UPDATE agents SET card = :card, name = :name, updated_at = :u,"
                      " verified = CASE WHEN url = :url1 THEN verified ELSE 0 END,"
                      " verified_at = CASE WHEN url = :url2 THEN verified_at ELSE 0 END,"
                      " url = :url3 WHERE id = :id",
       soci::use(rec.card), soci::use(rec.name), soci::use(updated), soci::use(rec.url),
       soci::use(rec.url), soci::use(rec.url), soci::use(rec.id));
  st.execute(true);
  if (st.get_affected_rows() == 0)
    return false;
  sql << "DELETE FROM agent_terms WHERE agent_id = :id", soci::use(rec.id);
  insert_terms(sql, rec);
  directory::index_agent(sql, rec);
  return true;
}

bool remove(session& sql, const std::string& id) {
  // What describes the agent goes with it, explicitly: SQLite enforces
  // foreign keys only with PRAGMA foreign_keys. What it earned stays, keyed by
  // its id, which only its key can register again: its reputation and log,
  // its reviews (hidden) and the reports about it. Deregistering and
  // registering again must not wash a reputation clean.
  sql << "DELETE FROM agent_terms WHERE agent_id = :id", soci::use(id);
  directory::unindex_agent(sql, id);
  categories::unassign_agent(sql, id);
  reviews::hide_for_agent(sql, id);
  // So do its contacts, both ways, and its contact requests: an id
  // registered again starts with none.
  contacts::remove_agent(sql, id);
  soci::statement st = (sql.prepare << "DELETE FROM agents WHERE id = :id", soci::use(id));
  st.execute(true);
  return st.get_affected_rows() > 0;
}

bool set_status(session& sql, const std::string& id, const std::string& status,
                int64_t last_seen) {
  long long seen = last_seen;
  run st(sql,
         "UPDATE agents SET status = :st,"
         " last_seen = CASE WHEN last_seen > :s1 THEN last_seen ELSE :s2 END WHERE id = :id",
         soci::use(status), soci::use(seen), soci::use(seen), soci::use(id));
  return st.affected_rows() > 0;
}

bool set_verified(session& sql, const std::string& id, bool verified, int64_t at,
                  const std::string& url, bool& url_matched) {
  url_matched = false;
  std::string current;
  soci::indicator ind = soci::i_null;
  sql << "SELECT url FROM agents WHERE id = :id", soci::use(id), soci::into(current, ind);
  if (!sql.got_data())
    return false;
  url_matched = url.empty() || current == url;
  if (!url_matched)
    return true;
  int flag = verified ? 1 : 0;
  long long when = verified ? at : 0;
  sql << "UPDATE agents SET verified = :v, verified_at = :at WHERE id = :id", soci::use(flag),
      soci::use(when), soci::use(id);
  return true;
}

bool set_owner(session& sql, const std::string& id, const std::string& owner_id) {
  soci::statement st = (sql.prepare << "UPDATE agents SET owner_id = :o WHERE id = :id",
                        soci::use(owner_id), soci::use(id));
  st.execute(true);
  return st.get_affected_rows() > 0;
}

void disown_all(session& sql, const std::string& owner_id) {
  sql << "UPDATE agents SET owner_id = '' WHERE owner_id = :o", soci::use(owner_id);
}

void touch(session& sql, const std::string& id, int64_t last_seen) {
  long long seen = last_seen;
  run(sql, "UPDATE agents SET last_seen = :s1 WHERE id = :id AND last_seen < :s2",
      soci::use(seen), soci::use(id), soci::use(seen));
}

std::optional<agent_record> find(session& sql, const std::string& id) {
  static const std::string query = std::string("SELECT ") + columns + " FROM agents WHERE id = :id";
  soci::row r;
  run found(sql, query, soci::use(id), soci::into(r));
  if (!found.got_data())
    return std::nullopt;
  return from_row(r);
}

bool exists(session& sql, const std::string& id) {
  int n = 0;
  run(sql, "SELECT COUNT(*) FROM agents WHERE id = :id", soci::use(id), soci::into(n));
  return n > 0;
}

agent_page list(session& sql, const agent_query& q) {
  // Fixed SQL with every filter bound ('' = no filter), so one prepared shape
  // serves all queries; each placeholder is used once (PostgreSQL's SOCI
  // backend binds names positionally).
  int page_size = std::max(1, q.limit);
  int limit = page_size + 1;  // one extra row tells whether there is a next page
  auto pattern = contains_pattern(q.search);
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT " << columns << " FROM agents a WHERE a.id > :after"
                   << " AND (:st1 = '' OR a.status = :st2)"
                   << " AND (:o1 = '' OR a.owner_id = :o2)"
                   << " AND (:q1 = '' OR " << lower_ascii(sql, "a.name") << " LIKE :q2 ESCAPE '!'"
                   << " OR " << lower_ascii(sql, "a.id") << " LIKE :q3 ESCAPE '!')"
                   << " AND (:p1 = '' OR EXISTS (SELECT 1 FROM agent_terms t WHERE"
                      " t.agent_id = a.id AND t.kind = 'protocol' AND t.value = :p2))"
                   << " AND (:s1 = '' OR EXISTS (SELECT 1 FROM agent_terms t WHERE"
                      " t.agent_id = a.id AND t.kind = 'skill' AND t.value = :s2))"
                   << " AND (:t1 = '' OR EXISTS (SELECT 1 FROM agent_terms t WHERE"
                      " t.agent_id = a.id AND t.kind = 'tag' AND t.value = :t2))"
                   << " ORDER BY a.id LIMIT :lim",
       soci::use(q.after_id), soci::use(q.status), soci::use(q.status), soci::use(q.owner_id),
       soci::use(q.owner_id), soci::use(q.search), soci::use(pattern), soci::use(pattern),
       soci::use(q.protocol),
       soci::use(q.protocol), soci::use(q.skill), soci::use(q.skill), soci::use(q.tag),
       soci::use(q.tag), soci::use(limit));
  agent_page page;
  for (const auto& r : rows)
    page.agents.push_back(from_row(r));
  if (page.agents.size() > static_cast<size_t>(page_size)) {
    page.agents.pop_back();
    page.next_after_id = page.agents.back().id;
  }
  return page;
}

std::vector<std::string> online_ids(session& sql) {
  std::vector<std::string> ids;
  soci::rowset<std::string> rows = (sql.prepare << "SELECT id FROM agents WHERE status = 'online'");
  for (const auto& id : rows)
    ids.push_back(id);
  return ids;
}

size_t count(session& sql) {
  long long n = 0;
  sql << "SELECT COUNT(*) FROM agents", soci::into(n);
  return static_cast<size_t>(n);
}

std::string stats(session& sql, const std::string& owner_id, int64_t now) {
  long long total = 0, online = 0, owned = 0;
  sql << "SELECT COUNT(*), COALESCE(SUM(CASE WHEN status = 'online' THEN 1 ELSE 0 END), 0),"
         " COALESCE(SUM(CASE WHEN owner_id <> '' THEN 1 ELSE 0 END), 0)"
         " FROM agents WHERE :o1 = '' OR owner_id = :o2",
      soci::use(owner_id), soci::use(owner_id), soci::into(total), soci::into(online),
      soci::into(owned);
  nlohmann::json agents{{"total", total}, {"online", online}, {"offline", total - online}};
  auto api_keys = credentials::count_active_api_keys(sql, owner_id, now);
  if (!owner_id.empty())
    return nlohmann::json{{"agents", agents}, {"api_keys", api_keys}}.dump();
  agents["owned"] = owned;
  nlohmann::json users_json{{"total", users::count(sql)}, {"admins", users::count(sql, "admin")}};
  return nlohmann::json{{"users", users_json}, {"agents", agents}, {"api_keys", api_keys}}.dump();
}

}  // namespace tessera::storage::agents
