#pragma once
// Where the bridge reaches an agent in a protocol: the card's `endpoints`
// entry for it, else the card's `url` when the card declares the protocol.
// For MCP that is the Streamable HTTP endpoint, for A2A the JSON-RPC endpoint
// (or its agent-card URL), for ACP the server's base URL.
#include <string>
#include <string_view>

namespace tessera::bridge {

/// The URL for `protocol` in a stored card (JSON text, validated when it was
/// registered); "" when the card does not declare the protocol.
std::string endpoint_of(std::string_view card_json, std::string_view protocol);

}  // namespace tessera::bridge
