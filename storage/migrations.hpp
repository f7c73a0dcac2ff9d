#pragma once
// Versioned schema migrations, recorded in schema_migrations and applied in
// order at start (each in its own transaction).
#include <soci/soci.h>

#include "storage/database.hpp"

namespace tessera::storage {

/// Applies every migration newer than the recorded version; returns the
/// version the schema is at afterwards.
int migrate(soci::session& sql, dialect d);

/// The newest migration this build knows.
int latest_schema_version();

}  // namespace tessera::storage
