#include "storage/database.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>

namespace tessera::storage {

dialect dialect_of(const config::database_settings& db) {
  return db.driver == "postgres" ? dialect::postgres : dialect::sqlite;
}

namespace {

/// libpq waits forever for an unreachable host unless told otherwise; a
/// connect_timeout the operator set wins.
std::string with_connect_timeout(const std::string& dsn) {
  if (dsn.find("connect_timeout") != std::string::npos)
    return dsn;
  bool url = dsn.rfind("postgres://", 0) == 0 || dsn.rfind("postgresql://", 0) == 0;
  if (!url)
    return dsn + " connect_timeout=10";
  return dsn + (dsn.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=10";
}

}  // namespace

std::unique_ptr<session> open_session(const config::database_settings& db,
                                            session_role role) {
  if (dialect_of(db) == dialect::postgres) {
    auto sql = std::make_unique<session>(*soci::factory_postgresql(), with_connect_timeout(db.dsn));
    // Statements stay prepared (storage::session), but are planned for the
    // values of each execution, as before: a generic plan can't see that
    // "(:p = '' OR ...)" drops out, and would miss the indexes.
    *sql << "SET plan_cache_mode = force_custom_plan";
    return sql;
  }
  // SOCI's sqlite3 backend takes "db=<path> timeout=<seconds>"; quote the path
  // so spaces survive.
  auto sql = std::make_unique<session>(*soci::factory_sqlite3(),
                                             "db=\"" + db.dsn + "\" timeout=5");
  *sql << "PRAGMA journal_mode=WAL";
  // The writer acknowledges only committed transactions; FULL makes a commit
  // survive power loss, and group commit keeps the fsync cost per batch.
  if (role == session_role::writer) {
    *sql << "PRAGMA synchronous=FULL";
    *sql << "PRAGMA wal_autocheckpoint=16384";
  }
  else
    *sql << "PRAGMA query_only=ON";
  *sql << "PRAGMA busy_timeout=5000";
  // Pages in memory rather than read again through the kernel on every
  // statement: a larger page cache, and reads through a memory map.
  *sql << "PRAGMA cache_size=-65536";  // KiB: 64 MiB
  *sql << "PRAGMA mmap_size=1073741824";
  return sql;
}

write_transaction::write_transaction(soci::session& sql, dialect d) : sql_(sql) {
  sql_ << (d == dialect::sqlite ? "BEGIN IMMEDIATE" : "BEGIN");
}

write_transaction::~write_transaction() {
  if (!open_)
    return;
  try {
    rollback();
  } catch (const std::exception&) {
    // The connection is gone; the database dropped the transaction with it.
  }
}

void write_transaction::commit() {
  open_ = false;
  sql_ << "COMMIT";
}

void write_transaction::rollback() {
  open_ = false;
  sql_ << "ROLLBACK";
}

}  // namespace tessera::storage
