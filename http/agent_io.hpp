#pragma once
// Agents in and out of HTTP: the signed card of a request body, the agent id
// of a path, the list query (?protocol=&skill=&tag=&status=&limit=&page_token=),
// a page of agents as JSON, and the handlers that only show or remove one.
#include "http/message.hpp"

#include <optional>
#include <string>

#include "http/route_table.hpp"
#include "protocol/agent.hpp"
#include "protocol/agent_card.hpp"

namespace tessera::http {

/// Parses and validates a signed card from the body; nullopt after an error
/// response was written.
std::optional<card::agent_card> read_card(const request& req, response& res);

/// The record to store for a card; the body is stored as sent.
agent_record record_of(const card::agent_card& c, const std::string& body);

/// The path's {id} if it is an agent id; nullopt after a 404 was written.
std::optional<std::string> path_id(const request& req, response& res);

/// The list filters. `admin` also allows ?search= (name or id substring).
bool read_agent_query(const request& req, response& res, agent_query& q,
                      bool admin);

/// {"agents":[...],"next_page_token":...}; `with_owner` adds each owner_id.
std::string agent_page_json(const agent_page& page, bool with_owner);

// Handlers the provider console and the back office share; the route's
// policy has already decided that the caller may see or remove the agent.

/// GET .../agents/{id}: the agent with its owner.
task<> show_agent(const call& c);
/// DELETE .../agents/{id}: deregisters it (audited as agent_deleted).
task<> remove_agent(const call& c);
/// GET .../agents: a page of `q`'s filters read from the query, with owners.
task<> list_agents_with_owner(const call& c, const agent_query& base, bool admin);

}  // namespace tessera::http
