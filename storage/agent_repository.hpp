#pragma once
// SQL for agents, and nothing else: no validation, no policy. Callers own
// transactions.
#include <optional>
#include <string>
#include <vector>

#include <soci/soci.h>

#include "storage/session.hpp"

#include "protocol/agent.hpp"

namespace tessera::storage::agents {

/// False if an agent with this id exists already.
bool insert(session& sql, const agent_record& rec);
/// Replaces card, name, url and index terms (a changed url clears
/// verification); false if the agent does not exist.
bool replace_card(session& sql, const agent_record& rec);
bool remove(session& sql, const std::string& id);
bool set_status(session& sql, const std::string& id, const std::string& status,
                int64_t last_seen);
/// Marks the agent verified at `at`, or not verified. With a `url`, only if it
/// is still the agent's (url_matched says whether it was); "" skips that
/// check (an admin's say-so). False if the agent does not exist.
bool set_verified(session& sql, const std::string& id, bool verified, int64_t at,
                  const std::string& url, bool& url_matched);
/// Binds the agent to a user ("": unbinds); false if the agent does not exist.
bool set_owner(session& sql, const std::string& id, const std::string& owner_id);
/// Unbinds every agent of a user (the user is going away).
void disown_all(session& sql, const std::string& owner_id);
/// Moves last_seen forward (never back).
void touch(session& sql, const std::string& id, int64_t last_seen);

std::optional<agent_record> find(session& sql, const std::string& id);
bool exists(session& sql, const std::string& id);
/// Ordered by id; `search` is a case-insensitive substring of the name or id.
agent_page list(session& sql, const agent_query& q);
std::vector<std::string> online_ids(session& sql);
size_t count(session& sql);
/// Dashboard counts as a JSON object (text). For an owner:
/// {"agents":{"total","online","offline"},"api_keys"}; for "" (the node):
/// {"users":{"total","admins"},"agents":{"total","online","offline","owned"},
/// "api_keys"}. api_keys counts keys neither revoked nor expired at `now`.
std::string stats(session& sql, const std::string& owner_id, int64_t now);

}  // namespace tessera::storage::agents
