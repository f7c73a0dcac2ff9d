#pragma once
// Accounts as they travel between actors: users, the credentials issued to
// them (refresh tokens, API keys, claim tokens) and audit entries. Each type
// has its `inspect` here; actors/messages.cpp registers them all.
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace tessera {

/// A user as stored. `password_hash` (an Argon2id string) never leaves the
/// server; the HTTP layer drops it from every response. Times are ms since
/// the epoch.
struct user_record {
  std::string id;  // "usr_" + random
  std::string email;  // normalized: trimmed, lower case
  std::string display_name;
  std::string role = "user";  // user | admin
  std::string password_hash;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_record& x) {
  return f(caf::meta::type_name("user_record"), x.id, x.email, x.display_name, x.role,
           x.password_hash, x.created_at, x.updated_at);
}

/// Admin listing: substring search over email and display name, optional
/// role, keyset pagination by id.
struct user_query {
  std::string search;
  std::string role;
  std::string after_id;
  int32_t limit = 50;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_query& x) {
  return f(caf::meta::type_name("user_query"), x.search, x.role, x.after_id, x.limit);
}

struct user_page {
  std::vector<user_record> users;
  std::string next_after_id;  // empty when this is the last page
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_page& x) {
  return f(caf::meta::type_name("user_page"), x.users, x.next_after_id);
}

/// A secret issued to a user, stored only as the SHA-256 of the secret (hex).
/// One table holds all three kinds:
/// - refresh: `family` groups the rotations of one login; `used_at` is set when
///   it was exchanged for a new pair (presenting it again revokes the family).
/// - api_key: `id` ("key_...") is its public handle, `name` and `prefix` are
///   shown in listings, `agent_id` scopes it to one agent (empty: acts as the
///   user), `used_at` is its last use.
/// - claim: `used_at` is set once, when an agent presented it; `agent_id` is
///   that agent.
struct credential {
  std::string hash;  // hex SHA-256 of the secret; the primary key
  std::string kind;  // refresh | api_key | claim
  std::string id;
  std::string user_id;
  std::string family;
  std::string agent_id;
  std::string name;
  std::string prefix;
  int64_t created_at = 0;
  int64_t expires_at = 0;  // 0: never
  int64_t used_at = 0;     // 0: never
  int64_t revoked_at = 0;  // 0: not revoked
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, credential& x) {
  return f(caf::meta::type_name("credential"), x.hash, x.kind, x.id, x.user_id, x.family,
           x.agent_id, x.name, x.prefix, x.created_at, x.expires_at, x.used_at, x.revoked_at);
}

/// One security event. The HTTP layer fills action, actor, target, remote and
/// detail; the audit_log actor stamps `at`, chains `prev_hash` and `hash`
/// (SHA-256 hex over prev_hash and the entry) and stores it. `detail` is a
/// JSON object as text and never holds a secret.
struct audit_entry {
  int64_t seq = 0;  // assigned by the database; increasing
  int64_t at = 0;
  std::string action;  // e.g. login_succeeded, login_failed, refresh_reuse, key_created, ...
  std::string actor;   // user id, agent id, or "" for anonymous
  std::string target;  // what was acted on (user id, agent id, key id), or ""
  std::string remote;  // client IP
  std::string detail;  // JSON object text, "{}" if nothing
  std::string prev_hash;
  std::string hash;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, audit_entry& x) {
  return f(caf::meta::type_name("audit_entry"), x.seq, x.at, x.action, x.actor, x.target,
           x.remote, x.detail, x.prev_hash, x.hash);
}

/// Admin listing of the audit log, newest first; `before_seq` 0 = from the end.
struct audit_query {
  std::string action;  // exact filter, or ""
  int64_t before_seq = 0;
  int32_t limit = 50;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, audit_query& x) {
  return f(caf::meta::type_name("audit_query"), x.action, x.before_seq, x.limit);
}

}  // namespace tessera
