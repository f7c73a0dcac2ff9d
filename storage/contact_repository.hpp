#pragma once
// SQL for contacts and contact requests, and nothing else: no validation, no
// policy. Callers own transactions.
#include <optional>
#include <string>
#include <vector>

#include <soci/soci.h>

#include "storage/session.hpp"

#include "protocol/contacts.hpp"

namespace tessera::storage::contacts {

/// Adds contact_id to agent_id's list (already there: true, nothing
/// changes); false if either agent doesn't exist or the list is full.
enum class add_result { added, present, no_agent, full };
add_result add(session& sql, const std::string& agent_id, const std::string& contact_id,
               int64_t at);
bool remove(session& sql, const std::string& agent_id, const std::string& contact_id);
/// agent_id's list by contact id, with `mutual` filled in.
std::vector<contact> list(session& sql, const std::string& agent_id);
/// Every contact row of the agent, both ways, and its requests (agents::remove).
void remove_agent(session& sql, const std::string& agent_id);

void insert_request(session& sql, const contact_request& r);
std::optional<contact_request> find_request(session& sql, const std::string& id);
/// The pending request from -> to, if any.
std::optional<std::string> pending_between(session& sql, const std::string& from_id,
                                           const std::string& to_id);
int64_t pending_sent(session& sql, const std::string& from_id);
int64_t pending_received(session& sql, const std::string& to_id);
bool update_request(session& sql, const std::string& id, const std::string& status,
                    int64_t at);
contact_request_page list_requests(session& sql, const contact_request_query& q);

}  // namespace tessera::storage::contacts
