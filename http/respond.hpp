#pragma once
// Writing responses: JSON bodies, errors in the one shape
// {"error":{"code","message"}}, and the JSON form of an agent.
#include "http/message.hpp"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "protocol/agent.hpp"
#include "protocol/agent_json.hpp"
#include "protocol/errors.hpp"

namespace tessera::http {

int status_of(ec code);

void send_json(response& res, int status, const nlohmann::ordered_json& body);
void send_error(response& res, const problem& p);
void send_error(response& res, ec code, const std::string& message);

// The JSON of an agent and RFC 3339 times live in protocol/ (the watch actor
// renders them too); handlers know them from here.
using tessera::agent_json;
using tessera::parse_rfc3339;
using tessera::rfc3339;

}  // namespace tessera::http
