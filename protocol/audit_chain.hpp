#pragma once
// The audit log's hash chain. Each entry's hash covers the previous entry's
// hash and the entry itself, so removing, reordering or editing any entry
// breaks every hash after it.
#include <string>

#include "protocol/account.hpp"

namespace tessera {

/// The entry with every byte sequence that is not valid UTF-8, and every NUL
/// (PostgreSQL's text can't hold one), replaced by U+FFFD. Fields may carry
/// client input (an email that failed to log in), and JSON can't hold invalid
/// UTF-8: without this such an event could not be logged at all.
audit_entry with_valid_utf8(audit_entry e);

/// Hex SHA-256 of the JCS canonical JSON of {prev_hash, at, action, actor,
/// target, remote, detail} (valid UTF-8, see above; anything else throws
/// std::invalid_argument), with detail parsed as JSON (text that is not a
/// JSON object is hashed as a JSON string instead, so a bad detail can't stop
/// the log). seq and hash are not covered: the database assigns seq.
std::string link_hash(const audit_entry& e);

/// The entry as one line of JSON (JCS form, no newline): the hashed members
/// plus "hash", so a reader verifies a line by dropping "hash", canonicalizing
/// and hashing what is left.
std::string to_json_line(const audit_entry& e);

}  // namespace tessera
