#pragma once
// SQL for categories, reviews and reports, and nothing else: no validation,
// no policy. Callers own transactions.
#include <optional>
#include <string>
#include <vector>

#include <soci/soci.h>

#include "storage/session.hpp"

#include "protocol/community.hpp"

namespace tessera::storage::categories {

bool insert(session& sql, const category& c);  // false: the id is taken
bool update(session& sql, const category& c);  // false: no such category
bool remove(session& sql, const std::string& id);  // also unassigns it
std::optional<category> find(session& sql, const std::string& id);
std::vector<category> list(session& sql);  // by id
/// Replaces the agent's categories; false (nothing written) if the agent or
/// any category doesn't exist.
bool assign(session& sql, const std::string& agent_id, const std::vector<std::string>& ids);
std::vector<std::string> of_agent(session& sql, const std::string& agent_id);  // sorted
void unassign_agent(session& sql, const std::string& agent_id);  // agents::remove

}  // namespace tessera::storage::categories

namespace tessera::storage::reviews {

/// Inserts or replaces the (agent, user) review, reviving it if it was
/// deleted; false if the agent doesn't exist.
bool put(session& sql, const review& r);
/// Marks the review deleted at `at`; false if no such live review (by this
/// author, unless user_id is "").
bool remove(session& sql, const std::string& id, const std::string& user_id, int64_t at);
/// A live review.
std::optional<review> find(session& sql, const std::string& id);
/// The (agent, user) review, deleted or not (`deleted` says).
std::optional<review> find_of(session& sql, const std::string& agent_id,
                              const std::string& user_id);
review_page list(session& sql, const review_query& q);
review_summary summary(session& sql, const std::string& agent_id);
/// Marks the agent's reviews deleted (agents::remove): tombstones, so that
/// the agent registered again can't be reviewed into credit twice.
void hide_for_agent(session& sql, const std::string& agent_id);
void remove_for_user(session& sql, const std::string& user_id);    // users go

}  // namespace tessera::storage::reviews

namespace tessera::storage::reports {

void insert(session& sql, const report& r);
/// How many open reports the user has filed, and the id of their open report
/// on this target, if any (the writer enforces the limits with these).
int64_t open_count(session& sql, const std::string& reporter_id);
std::optional<std::string> open_on(session& sql, const std::string& reporter_id,
                                   const std::string& target_kind, const std::string& target_id);
bool update(session& sql, const report& r);  // status, note, resolved_by, updated_at
bool remove(session& sql, const std::string& id);
std::optional<report> find(session& sql, const std::string& id);
report_page list(session& sql, const report_query& q);

}  // namespace tessera::storage::reports
