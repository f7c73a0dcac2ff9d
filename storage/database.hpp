#pragma once
// Opening SOCI sessions for the configured driver, with the settings each
// dialect needs (SQLite: WAL, busy timeout, full sync on the writer).
#include <memory>
#include <string>

#include <soci/soci.h>

#include "config/settings.hpp"
#include "storage/session.hpp"

namespace tessera::storage {

enum class dialect { sqlite, postgres };

dialect dialect_of(const config::database_settings& db);

enum class session_role { writer, reader };

/// Opens a session; throws soci::soci_error when the database can't be reached.
std::unique_ptr<session> open_session(const config::database_settings& db,
                                            session_role role);

/// A write transaction. On SQLite it begins IMMEDIATE: taking the write lock
/// up front lets SQLite wait (busy_timeout) for another writer, which it can't
/// do for a deferred transaction that has read first. Rolls back unless
/// committed.
class write_transaction {
public:
  write_transaction(soci::session& sql, dialect d);
  ~write_transaction();
  write_transaction(const write_transaction&) = delete;
  write_transaction& operator=(const write_transaction&) = delete;
  void commit();
  void rollback();

private:
  soci::session& sql_;
  bool open_ = true;
};

}  // namespace tessera::storage
