#pragma once
// SQL for users, and nothing else: no validation, no policy. Callers own
// transactions.
#include <optional>
#include <string>

#include <soci/soci.h>

#include "storage/session.hpp"

#include "protocol/account.hpp"

namespace tessera::storage::users {

/// False if a user with this email (or id) exists already.
bool insert(session& sql, const user_record& rec);
/// Sets updated_at and those of display name, password hash and role that are
/// not empty; false if no such user.
bool update(session& sql, const user_record& rec);
bool remove(session& sql, const std::string& id);

std::optional<user_record> find(session& sql, const std::string& id);
std::optional<user_record> find_by_email(session& sql, const std::string& email);
/// Ordered by id; `search` is a case-insensitive substring of the email or the
/// display name.
user_page list(session& sql, const user_query& q);
/// Users in total, or with one role.
size_t count(session& sql, const std::string& role = "");

}  // namespace tessera::storage::users
