#pragma once
// What a call through the bridge carries besides the message: who is calling
// (Tessera-Caller) and the trace it belongs to (W3C traceparent), and which of
// the client's MCP headers go on to the agent.
#include <string>
#include <string_view>

namespace tessera::bridge {

/// Tessera-Caller: "agent:<id>", "user:<id>" or "anonymous".
std::string caller_header(std::string_view kind, std::string_view id);

/// The traceparent of the outbound call: the caller's trace continued when it
/// sent a valid `incoming` one (version 00), else a new trace; a new span id
/// either way, sampled.
std::string next_traceparent(std::string_view incoming);

/// The client's headers that reach an MCP agent as they are: Content-Type,
/// Accept, MCP-Protocol-Version, Last-Event-ID. (Mcp-Session-Id is replaced by
/// the backend's own; everything else stays at the gateway.)
bool forwarded_mcp_header(std::string_view name);

}  // namespace tessera::bridge
