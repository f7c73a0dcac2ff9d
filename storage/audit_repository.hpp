#pragma once
// SQL for the audit log, and nothing else. Callers own transactions.
#include <string>
#include <vector>

#include <soci/soci.h>

#include "storage/session.hpp"

#include "protocol/account.hpp"

namespace tessera::storage::audit {

/// Appends an entry as it is (already chained); the database assigns seq.
void append(session& sql, const audit_entry& e);
/// The hash of the newest entry, "" for an empty log: where the chain goes on.
std::string last_hash(session& sql);
/// Newest first, with seq below `before_seq` (0: from the newest).
std::vector<audit_entry> list(session& sql, const audit_query& q);

}  // namespace tessera::storage::audit
