#pragma once
// SQL for credentials (refresh tokens, API keys, claim tokens), and nothing
// else: no validation, no policy. Callers own transactions. Conditional writes
// report whether their condition held (a row changed).
#include <optional>
#include <string>
#include <vector>

#include <soci/soci.h>

#include "storage/session.hpp"

#include "protocol/account.hpp"

namespace tessera::storage::credentials {

/// False if a credential with this hash, or an API key with this id, exists.
bool insert(session& sql, const credential& c);

/// Marks the refresh token `hash` used at `at` if it is unused and not
/// revoked; false otherwise (or if there is no such refresh token).
bool mark_refresh_used(session& sql, const std::string& hash, int64_t at);
/// Revokes every unrevoked refresh token of a family or of a user.
void revoke_family(session& sql, const std::string& family, int64_t at);
void revoke_user_refresh(session& sql, const std::string& user_id, int64_t at);
/// Revokes the user's unrevoked API key `key_id`; false if there is none.
bool revoke_api_key(session& sql, const std::string& key_id, const std::string& user_id,
                    int64_t at);
/// Moves an API key's used_at forward (never back). Other kinds are left
/// alone: for them used_at means "spent".
void touch(session& sql, const std::string& hash, int64_t at);
/// Marks the claim token `hash` used by `agent_id` at `at` if it is unused,
/// not revoked and expires after `at`; false otherwise.
bool use_claim(session& sql, const std::string& hash, const std::string& agent_id,
               int64_t at);
void remove_for_user(session& sql, const std::string& user_id);

std::optional<credential> find(session& sql, const std::string& hash);
/// True while the sign-in `family` of `user_id` holds a refresh token that is
/// neither spent, revoked nor expired at `now`: logging out, a password change
/// or a detected reuse ends it.
bool family_live(session& sql, const std::string& user_id, const std::string& family,
                 int64_t now);
/// A user's credentials of one kind, revoked and expired ones included,
/// oldest first.
std::vector<credential> list(session& sql, const std::string& user_id,
                             const std::string& kind);
/// API keys neither revoked nor expired at `now`: of one user, or of all
/// users with "".
size_t count_active_api_keys(session& sql, const std::string& user_id, int64_t now);

}  // namespace tessera::storage::credentials
