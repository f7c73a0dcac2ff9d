#pragma once
// The WebSocket URL told to clients (the 426 answers and
// /api/v1/signaling/info): signaling.public_url when set; else, when the
// WebSocket is served on the HTTP port, ws://<Host as the client sent it>/api/v1/signaling;
// else ws://<host the request named>:<port of signaling.ws_addr>/api/v1/signaling.
#include <string>
#include <string_view>

#include "config/settings.hpp"

namespace tessera::ws {

constexpr const char* signaling_path = "/api/v1/signaling";

/// `host_header` is the request's Host header as sent; its port is dropped
/// when signaling.ws_addr names another port.
/// A Host that isn't a plain hostname or IP address (it is client input, and
/// ends up in a URL) gives 127.0.0.1.
std::string public_url(const config::signaling_settings& s, std::string_view host_header);

/// The host part of a Host header ("[v6]" keeps its brackets), or "" when it
/// isn't a valid hostname, IPv4 or bracketed IPv6 address.
std::string host_of(std::string_view host_header);

}  // namespace tessera::ws
