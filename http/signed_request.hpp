#pragma once
// Authenticates an agent-signed request: RFC 9421 signature and content digest
// (protocol/http_signature), then the replay window (replay_guard actor).
#include "http/message.hpp"

#include <optional>
#include <string>

#include "http/route_table.hpp"
#include "protocol/errors.hpp"

namespace tessera::http {

/// The id of the agent that signed `req`, or nullopt with `err` set (and the
/// failure in the audit log).
task<std::optional<std::string>> signing_agent(const call& c, problem& err);

}  // namespace tessera::http
