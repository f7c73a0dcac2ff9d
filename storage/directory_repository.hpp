#pragma once
// SQL for the public directory: the filtered, sorted, keyset-paged listing
// with full-text search (SQLite FTS5, PostgreSQL text search), the search
// text kept beside each agent, and the profile. Callers own transactions.
#include <optional>
#include <string>

#include <soci/soci.h>

#include "storage/session.hpp"

#include "protocol/directory.hpp"

namespace tessera::storage::directory {

/// Stores the agent's search text (name, description, skills and tags),
/// replacing the previous one; called by agents::insert and replace_card.
void index_agent(session& sql, const agent_record& rec);
/// Forgets it; called by agents::remove.
void unindex_agent(session& sql, const std::string& agent_id);

directory_page list(session& sql, const directory_query& q);
/// nullopt when there is no such agent.
std::optional<agent_profile> profile(session& sql, const std::string& agent_id);

}  // namespace tessera::storage::directory
