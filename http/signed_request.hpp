#pragma once
// Authenticates an agent-signed request: RFC 9421 signature and content digest
// (protocol/http_signature), then the replay window (replay_guard actor).
#include "http/message.hpp"

#include <optional>
#include <string>

#include "http/route_table.hpp"
#include "protocol/errors.hpp"

namespace tessera::http {

/// Whether `req` registers its signer's key (POST /api/v1/agents, POST
/// /api/v1/provider/agents): the one kind of signed request whose key need
/// not belong to a registered agent.
bool registers_a_key(const request& req);

/// The id of the agent that signed `req`, or nullopt with `err` set (and the
/// failure in the audit log).
task<std::optional<std::string>> signing_agent(const call& c, problem& err);

}  // namespace tessera::http
