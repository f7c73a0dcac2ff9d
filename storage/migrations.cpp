#include "storage/migrations.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace tessera::storage {

namespace {

struct migration {
  int version;
  const char* description;
  std::vector<std::string> statements;  // portable SQL (SQLite and PostgreSQL)
};

// Append only: a released migration never changes.
const std::vector<migration>& migrations() {
  static const std::vector<migration> all = {
      {1,
       "agents and their index terms",
       {"CREATE TABLE agents ("
        " id TEXT PRIMARY KEY,"
        " card TEXT NOT NULL,"
        " name TEXT NOT NULL,"
        " status TEXT NOT NULL,"
        " registered_at BIGINT NOT NULL,"
        " updated_at BIGINT NOT NULL,"
        " last_seen BIGINT NOT NULL)",
        "CREATE INDEX agents_status ON agents (status, id)",
        // One row per protocol, skill id or tag of an agent, for the list filters.
        "CREATE TABLE agent_terms ("
        " agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,"
        " kind TEXT NOT NULL,"
        " value TEXT NOT NULL,"
        " PRIMARY KEY (agent_id, kind, value))",
        "CREATE INDEX agent_terms_lookup ON agent_terms (kind, value, agent_id)"}},
  };
  return all;
}

long long now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

int latest_schema_version() {
  return migrations().back().version;
}

int migrate(soci::session& sql, dialect d) {
  sql << "CREATE TABLE IF NOT EXISTS schema_migrations ("
         " version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)";
  if (d == dialect::postgres) {
    // Several nodes may start at once against one database: serialize them.
    sql << "SELECT pg_advisory_lock(7382001)";
  }
  int current = 0;
  soci::indicator ind = soci::i_ok;
  sql << "SELECT MAX(version) FROM schema_migrations", soci::into(current, ind);
  if (ind == soci::i_null)
    current = 0;
  try {
    for (const auto& m : migrations()) {
      if (m.version <= current)
        continue;
      soci::transaction tr(sql);
      for (const auto& stmt : m.statements)
        sql << stmt;
      std::string description = m.description;
      long long at = now_ms();
      int version = m.version;
      sql << "INSERT INTO schema_migrations (version, description, applied_at)"
             " VALUES (:v, :d, :a)",
          soci::use(version), soci::use(description), soci::use(at);
      tr.commit();
      current = m.version;
    }
  } catch (...) {
    if (d == dialect::postgres)
      sql << "SELECT pg_advisory_unlock(7382001)";
    throw;
  }
  if (d == dialect::postgres)
    sql << "SELECT pg_advisory_unlock(7382001)";
  return current;
}

}  // namespace tessera::storage
