#pragma once
// Security events from the HTTP layer to the audit_log actor. Fire and forget:
// the actor stamps, chains and stores them. Never put a secret in `detail`.
#include <nlohmann/json.hpp>
#include <string>

#include "http/route_table.hpp"

namespace tessera::http {

void audit(const context& ctx, const std::string& action, const std::string& actor,
           const std::string& target, const std::string& remote,
           const nlohmann::json& detail = nlohmann::json::object());

/// The caller of `c` is the actor.
void audit(const call& c, const std::string& action, const std::string& target,
           const nlohmann::json& detail = nlohmann::json::object());

}  // namespace tessera::http
