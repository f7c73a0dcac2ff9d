#pragma once
// Agents in and out of HTTP: the signed card of a request body, the agent id
// of a path, the list query (?protocol=&skill=&tag=&status=&limit=&page_token=)
// and a page of agents as JSON.
#include <httplib.h>

#include <optional>
#include <string>

#include "protocol/agent.hpp"
#include "protocol/agent_card.hpp"

namespace tessera::http {

/// Parses and validates a signed card from the body; nullopt after an error
/// response was written.
std::optional<card::agent_card> read_card(const httplib::Request& req, httplib::Response& res);

/// The record to store for a card; the body is stored as sent.
agent_record record_of(const card::agent_card& c, const std::string& body);

/// The path's {id} if it is an agent id; nullopt after a 404 was written.
std::optional<std::string> path_id(const httplib::Request& req, httplib::Response& res);

/// The list filters. `admin` also allows ?search= (name or id substring).
bool read_agent_query(const httplib::Request& req, httplib::Response& res, agent_query& q,
                      bool admin);

/// {"agents":[...],"next_page_token":...}; `with_owner` adds each owner_id.
std::string agent_page_json(const agent_page& page, bool with_owner);

}  // namespace tessera::http
