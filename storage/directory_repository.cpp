#include "storage/directory_repository.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

#include "storage/community_repository.hpp"

namespace tessera::storage::directory {

namespace {

bool on_postgres(session& sql) { return sql.get_backend_name() == "postgresql"; }

/// What an agent is found by: its name, description, skill ids and names,
/// and tags, one per line. The card was validated when stored; a card that
/// is somehow not JSON still leaves the name, skill ids and tags findable.
std::string search_body(const agent_record& rec) {
  std::string body = rec.name;
  auto add = [&](const std::string& text) {
    if (!text.empty())
      body.append("\n").append(text);
  };
  auto card = nlohmann::json::parse(rec.card, nullptr, false);
  if (card.is_object()) {
    if (auto d = card.find("description"); d != card.end() && d->is_string())
      add(d->get<std::string>());
    if (auto skills = card.find("skills"); skills != card.end() && skills->is_array())
      for (const auto& skill : *skills)
        if (auto name = skill.find("name"); skill.is_object() && name != skill.end() &&
                                            name->is_string())
          add(name->get<std::string>());
  }
  for (const auto& id : rec.skills)
    add(id);
  for (const auto& tag : rec.tags)
    add(tag);
  return body;
}

/// The words (space-separated, as the HTTP layer makes them) as an FTS5
/// query: each word a quoted string, so no word is ever read as an operator
/// (OR, NEAR, *, column filters); juxtaposed strings must all match.
std::string fts5_query(const std::string& words) {
  std::istringstream in(words);
  std::string word, out;
  while (in >> word) {
    if (!out.empty())
      out += ' ';
    out += '"';
    for (char c : word) {
      if (c == '"')
        out += '"';
      out += c;
    }
    out += '"';
  }
  return out;
}

// Each list column aggregates one agent's rows into one text, values joined
// by U+001F (unit separator), which no validated card string contains.
constexpr char unit_separator = '\x1f';

std::string aggregate(session& sql, const std::string& expr, const std::string& from) {
  if (on_postgres(sql))
    return "(SELECT string_agg(" + expr + ", chr(31)) FROM " + from + ")";
  return "(SELECT group_concat(" + expr + ", char(31)) FROM " + from + ")";
}

std::string entry_columns(session& sql) {
  return "a.id, a.card, a.name, a.status, a.registered_at, a.updated_at, a.last_seen,"
         " a.owner_id, a.url, a.verified, a.verified_at, a.rank_class, a.rank_mag,"
         " sc.score, sc.updated_at, sc.events, sc.last_heartbeat_credit, COALESCE(" +
         aggregate(sql, "t.kind || ':' || t.value", "agent_terms t WHERE t.agent_id = a.id") +
         ", ''), COALESCE(" +
         aggregate(sql, "ac.category_id", "agent_categories ac WHERE ac.agent_id = a.id") +
         ", '')";
}

constexpr const char* entry_from = " FROM agents a LEFT JOIN agent_scores sc ON sc.agent_id = a.id";

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    auto end = text.find(unit_separator, start);
    if (end == std::string::npos)
      end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// Into-variables for one row of entry_columns, bound to a statement once
/// and read after each fetch (a soci::row would need the exact column type,
/// which SQLite does not declare for expressions).
struct entry_row {
  std::string id, card, name, status, owner_id, url, terms, categories;
  long long registered_at = 0, updated_at = 0, last_seen = 0, verified_at = 0;
  int verified = 0, rank_class = 0;
  double rank_mag = 0, score = 0;
  long long score_updated_at = 0, events = 0, last_heartbeat_credit = 0;
  soci::indicator score_ind = soci::i_null, updated_ind = soci::i_null,
                  events_ind = soci::i_null, heartbeat_ind = soci::i_null;

  void bind(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(card));
    st.exchange(soci::into(name));
    st.exchange(soci::into(status));
    st.exchange(soci::into(registered_at));
    st.exchange(soci::into(updated_at));
    st.exchange(soci::into(last_seen));
    st.exchange(soci::into(owner_id));
    st.exchange(soci::into(url));
    st.exchange(soci::into(verified));
    st.exchange(soci::into(verified_at));
    st.exchange(soci::into(rank_class));
    st.exchange(soci::into(rank_mag));
    st.exchange(soci::into(score, score_ind));
    st.exchange(soci::into(score_updated_at, updated_ind));
    st.exchange(soci::into(events, events_ind));
    st.exchange(soci::into(last_heartbeat_credit, heartbeat_ind));
    st.exchange(soci::into(terms));
    st.exchange(soci::into(categories));
  }

  directory_entry entry() const {
    directory_entry e;
    auto& a = e.agent;
    a.id = id;
    a.card = card;
    a.name = name;
    a.status = status;
    a.registered_at = registered_at;
    a.updated_at = updated_at;
    a.last_seen = last_seen;
    a.owner_id = owner_id;
    a.url = url;
    a.verified = verified != 0;
    a.verified_at = verified_at;
    for (const auto& term : split(terms)) {
      auto colon = term.find(':');
      auto kind = term.substr(0, colon);
      auto value = colon == std::string::npos ? std::string() : term.substr(colon + 1);
      if (kind == "protocol")
        a.protocols.push_back(value);
      else if (kind == "skill")
        a.skills.push_back(value);
      else if (kind == "tag")
        a.tags.push_back(value);
    }
    e.scored = score_ind == soci::i_ok;
    if (e.scored)
      e.state = {.score = score,
                 .updated_at = score_updated_at,
                 .events = events,
                 .last_heartbeat_credit = last_heartbeat_credit};
    e.rank_class = rank_class;
    e.rank_mag = rank_mag;
    e.categories = split(categories);
    return e;
  }
};

// SQLite knows nothing of how many agents a search matches, so it is
// counted first (cheap: no rows are read) and the plan picked by hand, for
// 100,000 agents (tools/bench/directory.cpp):
//   few matches:  read them from the index and sort them (~5 us each);
//   some:         walk the sort order, testing each agent against the
//                 matches collected once (~1 us a match, ~3 us a row walked);
//   many:         walk the sort order, asking the index about each agent
//                 (~30-80 us a row, but a page is found within a few rows).
constexpr long long few_matches = 1000;
constexpr long long many_matches = 20000;

std::string sqlite_search_clause(session& sql, const std::string& search) {
  long long matches = 0, cap = many_matches;
  sql << "SELECT COUNT(*) FROM (SELECT 1 FROM agent_search_fts WHERE agent_search_fts MATCH :q"
         " LIMIT :cap)",
      soci::use(search), soci::use(cap), soci::into(matches);
  if (matches < few_matches)
    return " AND a.id IN (SELECT s.agent_id FROM agent_search_fts f"
           " JOIN agent_search s ON s.seq = f.rowid WHERE agent_search_fts MATCH :q)";
  if (matches < many_matches)
    return " AND EXISTS (SELECT 1 FROM agent_search s WHERE s.agent_id = a.id AND s.seq IN"
           " (SELECT rowid FROM agent_search_fts WHERE agent_search_fts MATCH :q))";
  return " AND EXISTS (SELECT 1 FROM agent_search s JOIN agent_search_fts f ON f.rowid = s.seq"
         " WHERE s.agent_id = a.id AND agent_search_fts MATCH :q)";
}

}  // namespace

void index_agent(session& sql, const agent_record& rec) {
  // An upsert fires SQLite's update trigger, which keeps the FTS index in step.
  std::string body = search_body(rec);
  run(sql,
      "INSERT INTO agent_search (agent_id, body) VALUES (:id, :body)"
      " ON CONFLICT (agent_id) DO UPDATE SET body = excluded.body",
      soci::use(rec.id), soci::use(body));
}

void unindex_agent(session& sql, const std::string& agent_id) {
  sql << "DELETE FROM agent_search WHERE agent_id = :id", soci::use(agent_id);
}

namespace {

// PostgreSQL: a text search first walks the page's order over at most this
// many agents (that pass the other filters), asking each whether it matches;
// a word common enough to fill the page there costs a few milliseconds. The
// planner, which can't tell how many agents a word matches (it guessed 2,000
// for 20,000), would otherwise collect and sort every match (0.4-1.5 s).
// Words too rare to fill the page within the walk have few matches, and
// collecting them is cheap.
constexpr int walk_rows = 2000;

/// Everything but the text search and the keyset: the filters of `q`.
std::string filter_sql() {
  return " (:st1 = '' OR a.status = :st2)"
         " AND (:v1 < 0 OR a.verified = :v2)"
         // A primary-key probe per row walked, as scalar subqueries: PostgreSQL
         // would turn an EXISTS into a hash of every agent with the value
         // (50,000 for protocol=a2a) before reading the first row of a page.
         " AND (:p1 = '' OR (SELECT 1 FROM agent_terms t WHERE"
         " t.agent_id = a.id AND t.kind = 'protocol' AND t.value = :p2) = 1)"
         " AND (:s1 = '' OR (SELECT 1 FROM agent_terms t WHERE"
         " t.agent_id = a.id AND t.kind = 'skill' AND t.value = :s2) = 1)"
         " AND (:t1 = '' OR (SELECT 1 FROM agent_terms t WHERE"
         " t.agent_id = a.id AND t.kind = 'tag' AND t.value = :t2) = 1)"
         " AND (:c1 = '' OR (SELECT 1 FROM agent_categories ac WHERE"
         " ac.agent_id = a.id AND ac.category_id = :c2) = 1)"
         " AND (a.rank_class, a.rank_mag) >= (:minc, :minm)";
}

/// The order of a sort, on table alias `t` (ties by id ascending).
std::string order_sql(const std::string& sort, const std::string& t) {
  if (sort == "name")
    return " ORDER BY " + t + ".name, " + t + ".id";
  if (sort == "registered_at")
    return " ORDER BY " + t + ".registered_at DESC, " + t + ".id";
  return " ORDER BY " + t + ".rank_class DESC, " + t + ".rank_mag DESC, " + t + ".id";
}

/// The keyset: strictly after the last row served, in the sort's order. The
/// descending sorts bound the index range with the key and drop the rows of
/// the last key at or before its id.
std::string keyset_sql(const std::string& sort) {
  if (sort == "name")
    return " AND (a.name, a.id) > (:an, :aid)";
  if (sort == "registered_at")
    return " AND a.registered_at <= :ar1 AND NOT (a.registered_at = :ar2 AND a.id <= :aid)";
  return " AND (a.rank_class, a.rank_mag) <= (:ac1, :am1)"
         " AND NOT (a.rank_class = :ac2 AND a.rank_mag = :am2 AND a.id <= :aid)";
}

/// The values every shape binds, in their placeholder order (PostgreSQL's
/// backend binds by position).
struct page_values {
  std::string status, protocol, skill, tag, category, search, after_text, after_id;
  int verified = -1, min_class = -2, after_class = 2, limit = 21, walk = walk_rows;
  double min_mag = 0, after_mag = 0;
  long long after_int = 0;

  void bind_filters(soci::statement& st) {
    st.exchange(soci::use(status));
    st.exchange(soci::use(status));
    st.exchange(soci::use(verified));
    st.exchange(soci::use(verified));
    st.exchange(soci::use(protocol));
    st.exchange(soci::use(protocol));
    st.exchange(soci::use(skill));
    st.exchange(soci::use(skill));
    st.exchange(soci::use(tag));
    st.exchange(soci::use(tag));
    st.exchange(soci::use(category));
    st.exchange(soci::use(category));
    st.exchange(soci::use(min_class));
    st.exchange(soci::use(min_mag));
  }
  void bind_keyset(soci::statement& st, const std::string& sort) {
    if (sort == "name") {
      st.exchange(soci::use(after_text));
      st.exchange(soci::use(after_id));
    } else if (sort == "registered_at") {
      st.exchange(soci::use(after_int));
      st.exchange(soci::use(after_int));
      st.exchange(soci::use(after_id));
    } else {
      st.exchange(soci::use(after_class));
      st.exchange(soci::use(after_mag));
      st.exchange(soci::use(after_class));
      st.exchange(soci::use(after_mag));
      st.exchange(soci::use(after_id));
    }
  }
};

/// Runs one shape of the page query; the page's entries in order.
std::vector<directory_entry> run_page(session& sql, const std::string& ids_sql,
                                      const std::string& order, page_values& v,
                                      const std::function<void(soci::statement&)>& bind) {
  // The page's ids first, then their columns: a search sorts every match,
  // and the list columns (correlated aggregates) are then made for the page
  // only.
  auto page_sql = "SELECT " + entry_columns(sql) + " FROM (" + ids_sql +
                  ") p JOIN agents a ON a.id = p.id"
                  " LEFT JOIN agent_scores sc ON sc.agent_id = a.id" +
                  order;
  entry_row row;
  soci::statement st(sql);
  row.bind(st);
  bind(st);
  st.exchange(soci::use(v.limit));
  st.alloc();
  st.prepare(page_sql);
  st.define_and_bind();
  st.execute();
  std::vector<directory_entry> entries;
  while (st.fetch())
    entries.push_back(row.entry());
  return entries;
}

}  // namespace

directory_page list(session& sql, const directory_query& q) {
  bool pg = on_postgres(sql);
  int page_size = std::max(1, q.limit);
  page_values v;
  v.limit = page_size + 1;  // one extra row tells whether there is a next page
  v.verified = q.verified < 0 ? -1 : (q.verified != 0 ? 1 : 0);
  v.status = q.status;
  v.protocol = q.protocol;
  v.skill = q.skill;
  v.tag = q.tag;
  v.category = q.category;
  // The rank bounds are always present, made vacuous by sentinel keys outside
  // the classes -1..1 when unused, so the reputation index serves as a range
  // and the SQL keeps one shape per sort. Without a token the keyset's
  // sentinels let every row through.
  v.min_class = q.has_min_rank ? q.min_rank_class : -2;
  v.min_mag = q.has_min_rank ? q.min_rank_mag : 0;
  v.after_class = q.has_after ? q.after_class : 2;
  v.after_mag = q.has_after ? q.after_mag : 0;
  v.after_int = q.has_after ? q.after_int : std::numeric_limits<long long>::max();
  v.after_text = q.has_after ? q.after_text : "";
  v.after_id = q.has_after ? q.after_id : "";

  auto keyset = keyset_sql(q.sort);
  auto order = order_sql(q.sort, "a");
  bool has_text = q.text.find_first_not_of(' ') != std::string::npos;
  std::vector<directory_entry> entries;
  bool done = false;
  if (has_text && pg) {
    v.search = q.text;
    auto walk_sql = "SELECT w.id FROM (SELECT a.id, a.name, a.registered_at, a.rank_class,"
                    " a.rank_mag FROM agents a WHERE" +
                    filter_sql() + keyset + order +
                    " LIMIT :walk) w WHERE (SELECT 1 FROM agent_search s WHERE s.agent_id = w.id"
                    " AND s.body_tsv @@ plainto_tsquery('simple', :q)) = 1" +
                    order_sql(q.sort, "w") + " LIMIT :lim";
    entries = run_page(sql, walk_sql, order, v, [&](soci::statement& st) {
      v.bind_filters(st);
      v.bind_keyset(st, q.sort);
      st.exchange(soci::use(v.walk));
      st.exchange(soci::use(v.search));
    });
    // A full page within the walk is the page: the walk is a prefix of the
    // order, so its first matches are the first matches.
    done = entries.size() == static_cast<size_t>(v.limit);
  }
  if (!done) {
    std::string search_clause;
    // The search is its own shape: bound in an OR, neither database could
    // drive the query from its text index.
    if (has_text) {
      v.search = pg ? q.text : fts5_query(q.text);
      search_clause = pg ? " AND a.id IN (SELECT s.agent_id FROM agent_search s"
                           " WHERE s.body_tsv @@ plainto_tsquery('simple', :q))"
                         : sqlite_search_clause(sql, v.search);
    }
    auto ids_sql = "SELECT a.id FROM agents a WHERE" + filter_sql() + search_clause + keyset +
                   order + " LIMIT :lim";
    entries = run_page(sql, ids_sql, order, v, [&](soci::statement& st) {
      v.bind_filters(st);
      if (has_text)
        st.exchange(soci::use(v.search));
      v.bind_keyset(st, q.sort);
    });
  }

  directory_page page;
  page.entries = std::move(entries);
  if (page.entries.size() > static_cast<size_t>(page_size)) {
    page.entries.pop_back();
    page.more = true;
  }
  return page;
}

std::optional<agent_profile> profile(session& sql, const std::string& agent_id) {
  entry_row row;
  soci::statement st(sql);
  row.bind(st);
  st.exchange(soci::use(agent_id));
  st.alloc();
  st.prepare("SELECT " + entry_columns(sql) + entry_from + " WHERE a.id = :id");
  st.define_and_bind();
  st.execute();
  if (!st.fetch())
    return std::nullopt;
  agent_profile p;
  p.entry = row.entry();
  p.entry.categories = categories::of_agent(sql, agent_id);
  p.reviews = reviews::summary(sql, agent_id);
  return p;
}

}  // namespace tessera::storage::directory
