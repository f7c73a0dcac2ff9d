#pragma once
// Authenticates an agent-signed request: RFC 9421 signature and content digest
// (protocol/http_signature), then the replay window (replay_guard actor).
#include <httplib.h>

#include <optional>
#include <string>

#include "http/context.hpp"
#include "protocol/errors.hpp"

namespace tessera::http {

/// The id of the agent that signed `req`, or nullopt with `err` set (and the
/// failure in the audit log). `remote` is the client's address.
std::optional<std::string> signing_agent(const context& ctx, const httplib::Request& req,
                                         const std::string& remote, problem& err);

}  // namespace tessera::http
