#pragma once
// Opening SOCI sessions for the configured driver, with the settings each
// dialect needs (SQLite: WAL, busy timeout, full sync on the writer).
#include <memory>
#include <string>

#include <soci/soci.h>

#include "config/settings.hpp"

namespace tessera::storage {

enum class dialect { sqlite, postgres };

dialect dialect_of(const config::database_settings& db);

enum class session_role { writer, reader };

/// Opens a session; throws soci::soci_error when the database can't be reached.
std::unique_ptr<soci::session> open_session(const config::database_settings& db,
                                            session_role role);

}  // namespace tessera::storage
