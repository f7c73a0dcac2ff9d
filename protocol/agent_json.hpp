#pragma once
// An agent as the API shows it, and times as RFC 3339 text.
#include <cstdint>
#include <optional>
#include <string>

#include "protocol/agent.hpp"

namespace tessera {

/// RFC 3339 UTC with milliseconds, e.g. 2026-11-22T04:16:29.123Z.
std::string rfc3339(int64_t ms);

/// Milliseconds since the epoch from RFC 3339 with a Z or numeric offset
/// (fractional seconds allowed); nullopt if malformed.
std::optional<int64_t> parse_rfc3339(const std::string& text);

/// The agent as JSON text; the stored card is spliced in byte for byte, so
/// clients get exactly what the agent signed. The owner is shown to its owner
/// and to admins only (`with_owner`).
std::string agent_json(const agent_record& a, bool with_owner = false);

}  // namespace tessera
