#include "storage/migrations.hpp"

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera::storage {

namespace {

struct migration {
  int version;
  const char* description;
  // Portable SQL; "{id}" stands for the type of id columns, which must sort
  // by bytes on both databases (PostgreSQL's default collation would not);
  // "{serial}" for an auto-increment integer primary key. A statement that
  // starts with "sqlite:" or "postgres:" runs on that dialect only.
  std::vector<std::string> statements;
};

void replace_all(std::string& sql, const std::string& placeholder, const std::string& value) {
  for (auto at = sql.find(placeholder); at != std::string::npos;
       at = sql.find(placeholder, at + value.size()))
    sql.replace(at, placeholder.size(), value);
}

std::string for_dialect(std::string sql, dialect d) {
  bool pg = d == dialect::postgres;
  replace_all(sql, "{id}", pg ? "TEXT COLLATE \"C\"" : "TEXT");
  replace_all(sql, "{serial}", pg ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT");
  return sql;
}

// Append only: a released migration never changes.
const std::vector<migration>& migrations() {
  static const std::vector<migration> all = {
      {1,
       "agents and their index terms",
       {"CREATE TABLE agents ("
        " id {id} PRIMARY KEY,"
        " card TEXT NOT NULL,"
        " name TEXT NOT NULL,"
        " status TEXT NOT NULL,"
        " registered_at BIGINT NOT NULL,"
        " updated_at BIGINT NOT NULL,"
        " last_seen BIGINT NOT NULL)",
        "CREATE INDEX agents_status ON agents (status, id)",
        // One row per protocol, skill id or tag of an agent, for the list filters.
        "CREATE TABLE agent_terms ("
        " agent_id {id} NOT NULL REFERENCES agents (id) ON DELETE CASCADE,"
        " kind TEXT NOT NULL,"
        " value TEXT NOT NULL,"
        " PRIMARY KEY (agent_id, kind, value))",
        "CREATE INDEX agent_terms_lookup ON agent_terms (kind, value, agent_id)"}},
      {2,
       "users, their credentials, agent owners and the audit log",
       {"CREATE TABLE users ("
        " id {id} PRIMARY KEY,"
        " email {id} NOT NULL UNIQUE,"
        " display_name TEXT NOT NULL,"
        " role TEXT NOT NULL,"
        " password_hash TEXT NOT NULL,"
        " created_at BIGINT NOT NULL,"
        " updated_at BIGINT NOT NULL)",
        // Refresh tokens, API keys and claim tokens, keyed by the hash of the
        // secret. "" and 0 stand for "none" and "never", never NULL.
        "CREATE TABLE credentials ("
        " hash {id} PRIMARY KEY,"
        " kind TEXT NOT NULL,"
        " id {id} NOT NULL,"
        " user_id {id} NOT NULL,"
        " family {id} NOT NULL,"
        " agent_id {id} NOT NULL,"
        " name TEXT NOT NULL,"
        " prefix TEXT NOT NULL,"
        " created_at BIGINT NOT NULL,"
        " expires_at BIGINT NOT NULL,"
        " used_at BIGINT NOT NULL,"
        " revoked_at BIGINT NOT NULL)",
        "CREATE INDEX credentials_user ON credentials (user_id, kind)",
        "CREATE INDEX credentials_family ON credentials (family)",
        // Only API keys have a public id; the other kinds leave it "".
        "CREATE UNIQUE INDEX credentials_api_key_id ON credentials (id) WHERE kind = 'api_key'",
        "ALTER TABLE agents ADD COLUMN owner_id {id} NOT NULL DEFAULT ''",
        "CREATE INDEX agents_owner ON agents (owner_id, id)",
        // Hash-chained: each row's hash covers the previous row's hash.
        "CREATE TABLE audit_log ("
        " seq {serial},"
        " at BIGINT NOT NULL,"
        " action TEXT NOT NULL,"
        " actor TEXT NOT NULL,"
        " target TEXT NOT NULL,"
        " remote TEXT NOT NULL,"
        " detail TEXT NOT NULL,"
        " prev_hash TEXT NOT NULL,"
        " hash TEXT NOT NULL)",
        "CREATE INDEX audit_log_action ON audit_log (action, seq)"}},
      {3,
       "reputation scores and their event log",
       {// The state after the newest event: what the log folds to.
        "CREATE TABLE agent_scores ("
        " agent_id {id} PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,"
        " score DOUBLE PRECISION NOT NULL,"
        " updated_at BIGINT NOT NULL,"
        " events BIGINT NOT NULL,"
        " last_heartbeat_credit BIGINT NOT NULL)",
        // Append only: every credited event with the score before and after.
        "CREATE TABLE reputation_events ("
        " seq {serial},"
        " agent_id {id} NOT NULL REFERENCES agents (id) ON DELETE CASCADE,"
        " kind TEXT NOT NULL,"
        " at BIGINT NOT NULL,"
        " score_before DOUBLE PRECISION NOT NULL,"
        " score_after DOUBLE PRECISION NOT NULL)",
        "CREATE INDEX reputation_events_agent ON reputation_events (agent_id, seq)"}},
      {4,
       "the directory: verification, rank keys, full-text search, categories, reviews, reports",
       {// Reputation outlives a deregistration (agents::remove says why), so
        // PostgreSQL must not cascade the delete to it.
        "postgres:ALTER TABLE agent_scores DROP CONSTRAINT agent_scores_agent_id_fkey",
        "postgres:ALTER TABLE reputation_events DROP CONSTRAINT reputation_events_agent_id_fkey",
        "ALTER TABLE agents ADD COLUMN url TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE agents ADD COLUMN verified INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE agents ADD COLUMN verified_at BIGINT NOT NULL DEFAULT 0",
        // reputation::rank_of of the agent's score state ((0, 0) is the prior),
        // beside the agent so the directory sorts by it through an index.
        "ALTER TABLE agent_scores ADD COLUMN pass_credited INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE agents ADD COLUMN rank_class INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE agents ADD COLUMN rank_mag DOUBLE PRECISION NOT NULL DEFAULT 0",
        "CREATE INDEX agents_rank ON agents (rank_class DESC, rank_mag DESC, id)",
        "CREATE INDEX agents_name ON agents (name, id)",
        "CREATE INDEX agents_registered ON agents (registered_at DESC, id)",
        // The prior and half-life the stored rank keys were computed with.
        "CREATE TABLE reputation_rank_params ("
        " id INTEGER PRIMARY KEY,"
        " prior DOUBLE PRECISION NOT NULL,"
        " half_life_ms BIGINT NOT NULL)",
        // The text an agent is found by (name, description, skills, tags);
        // seq is a stable integer key for SQLite's FTS5 external content.
        "CREATE TABLE agent_search ("
        " seq {serial},"
        " agent_id {id} NOT NULL UNIQUE,"
        " body TEXT NOT NULL)",
        "sqlite:CREATE VIRTUAL TABLE agent_search_fts USING fts5(body, content='agent_search',"
        " content_rowid='seq', tokenize='unicode61 remove_diacritics 2')",
        "sqlite:CREATE TRIGGER agent_search_ai AFTER INSERT ON agent_search BEGIN"
        " INSERT INTO agent_search_fts (rowid, body) VALUES (new.seq, new.body); END",
        "sqlite:CREATE TRIGGER agent_search_ad AFTER DELETE ON agent_search BEGIN"
        " INSERT INTO agent_search_fts (agent_search_fts, rowid, body)"
        " VALUES ('delete', old.seq, old.body); END",
        "sqlite:CREATE TRIGGER agent_search_au AFTER UPDATE ON agent_search BEGIN"
        " INSERT INTO agent_search_fts (agent_search_fts, rowid, body)"
        " VALUES ('delete', old.seq, old.body);"
        " INSERT INTO agent_search_fts (rowid, body) VALUES (new.seq, new.body); END",
        // Stored, so a plan that checks rows one by one doesn't parse each body.
        "postgres:ALTER TABLE agent_search ADD COLUMN body_tsv tsvector"
        " GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED",
        "postgres:CREATE INDEX agent_search_body ON agent_search USING GIN (body_tsv)",
        // Agents registered before this version are found by name until their
        // card is next updated.
        "INSERT INTO agent_search (agent_id, body) SELECT id, name FROM agents",
        "CREATE TABLE categories ("
        " id {id} PRIMARY KEY,"
        " name TEXT NOT NULL,"
        " description TEXT NOT NULL,"
        " created_at BIGINT NOT NULL,"
        " updated_at BIGINT NOT NULL)",
        "CREATE TABLE agent_categories ("
        " agent_id {id} NOT NULL,"
        " category_id {id} NOT NULL,"
        " PRIMARY KEY (agent_id, category_id))",
        "CREATE INDEX agent_categories_category ON agent_categories (category_id, agent_id)",
        "CREATE TABLE reviews ("
        " id {id} PRIMARY KEY,"
        " agent_id {id} NOT NULL,"
        " user_id {id} NOT NULL,"
        " rating INTEGER NOT NULL,"
        " text TEXT NOT NULL,"
        " created_at BIGINT NOT NULL,"
        " updated_at BIGINT NOT NULL,"
        // The last reputation event this review credited ('' none), and
        // when it was deleted (0: live): deleted reviews stay as tombstones
        // so posting again can't credit the same opinion twice.
        " credited TEXT NOT NULL,"
        " deleted_at BIGINT NOT NULL,"
        " UNIQUE (agent_id, user_id))",
        "CREATE INDEX reviews_agent ON reviews (agent_id, created_at, id)",
        "CREATE INDEX reviews_user ON reviews (user_id)",
        "CREATE TABLE reports ("
        " id {id} PRIMARY KEY,"
        " reporter_id {id} NOT NULL,"
        " target_kind TEXT NOT NULL,"
        " target_id {id} NOT NULL,"
        " reason TEXT NOT NULL,"
        " details TEXT NOT NULL,"
        " status TEXT NOT NULL,"
        " note TEXT NOT NULL,"
        " resolved_by {id} NOT NULL,"
        " created_at BIGINT NOT NULL,"
        " updated_at BIGINT NOT NULL)",
        "CREATE INDEX reports_status ON reports (status, created_at, id)",
        "CREATE INDEX reports_created ON reports (created_at, id)",
        "CREATE INDEX reports_reporter ON reports (reporter_id, status)"}},
      {5,
       "contacts and contact requests",
       {// agent_id lists contact_id; the two are mutual contacts when each
        // lists the other, found through the reverse index.
        "CREATE TABLE contacts ("
        " agent_id {id} NOT NULL,"
        " contact_id {id} NOT NULL,"
        " created_at BIGINT NOT NULL,"
        " PRIMARY KEY (agent_id, contact_id))",
        "CREATE INDEX contacts_contact ON contacts (contact_id, agent_id)",
        "CREATE TABLE contact_requests ("
        " id {id} PRIMARY KEY,"
        " from_id {id} NOT NULL,"
        " to_id {id} NOT NULL,"
        " message TEXT NOT NULL,"
        " status TEXT NOT NULL,"
        " created_at BIGINT NOT NULL,"
        " updated_at BIGINT NOT NULL)",
        // The newest-first listings of an agent's incoming and sent requests.
        "CREATE INDEX contact_requests_incoming ON contact_requests (to_id, created_at DESC, id)",
        "CREATE INDEX contact_requests_sent ON contact_requests (from_id, created_at DESC, id)",
        // The writer's checks (a pending request between two agents, the
        // pending count of a sender); unique so a pair never has two.
        "CREATE UNIQUE INDEX contact_requests_pending ON contact_requests (from_id, to_id)"
        " WHERE status = 'pending'"}},
      {6,
       "the replay window shared by every node",
       {// storage/nonce_store.hpp: a signature's (key, nonce) hash, hex, and
        // the last second it verifies; rows past it are taken over or dropped.
        "CREATE TABLE replay_nonces ("
        " pair_hash TEXT PRIMARY KEY,"
        " expires_at BIGINT NOT NULL)",
        "CREATE INDEX replay_nonces_expiry ON replay_nonces (expires_at)"}},
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
  // Several nodes may start at once against one PostgreSQL: serialize them,
  // from before the first statement. (The lock ends with the session too.)
  if (d == dialect::postgres)
    sql << "SELECT pg_advisory_lock(7382001)";
  auto unlock = [&] {
    if (d == dialect::postgres)
      sql << "SELECT pg_advisory_unlock(7382001)";
  };
  int current = 0;
  try {
    sql << "CREATE TABLE IF NOT EXISTS schema_migrations ("
           " version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)";
    soci::indicator ind = soci::i_ok;
    sql << "SELECT MAX(version) FROM schema_migrations", soci::into(current, ind);
    if (ind == soci::i_null)
      current = 0;
    if (current > latest_schema_version())
      throw std::runtime_error("the database schema is at version " + std::to_string(current) +
                               ", newer than this tesserad knows (" +
                               std::to_string(latest_schema_version()) + "); upgrade tesserad");
    for (const auto& m : migrations()) {
      if (m.version <= current)
        continue;
      soci::transaction tr(sql);
      for (std::string stmt : m.statements) {
        for (auto [prefix, only] : {std::pair{"sqlite:", dialect::sqlite},
                                    std::pair{"postgres:", dialect::postgres}}) {
          if (stmt.rfind(prefix, 0) == 0) {
            if (d != only)
              stmt.clear();
            else
              stmt.erase(0, std::string_view{prefix}.size());
          }
        }
        if (!stmt.empty())
          sql << for_dialect(stmt, d);
      }
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
    unlock();
    throw;
  }
  unlock();
  return current;
}

}  // namespace tessera::storage
