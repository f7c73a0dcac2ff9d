#pragma once
// Reading and checking single configuration values: the text helpers the loader
// shares, sizes ("64MiB"), and the checks of addresses, origins, ranges and
// outputs. Each check returns why a value is unusable, or "" when it is fine.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::config {

inline constexpr size_t kib = 1024;
inline constexpr size_t mib = 1024 * kib;
inline constexpr size_t gib = 1024 * mib;

/// `text` in double quotes, for "expected X, got Y" messages.
std::string quoted(std::string_view text);
/// A whole decimal integer, nothing around it.
std::optional<int64_t> parse_integer(std::string_view text);
bool is_digit(char c);
bool is_letter(char c);  // ASCII only
bool all_digits(std::string_view text);

/// "64MiB", "8 KiB", "4096" -> bytes; nullopt when malformed or too large.
std::optional<size_t> parse_size(std::string_view text);
/// The largest binary unit that divides the size exactly, so 1048576 prints as 1MiB.
std::string format_size(size_t bytes);

/// Splits a checked listen address, "host:port" / ":port" / "[v6]:port", into
/// the host ("" means all interfaces; brackets removed) and the port.
bool split_listen_addr(const std::string& addr, std::string& host, int& port);

/// Two checked listen addresses on the same port where their interfaces
/// overlap: the same host, or either on every interface ("", 0.0.0.0, [::]).
/// Host names are not resolved.
bool listeners_clash(std::string_view a, std::string_view b);

/// "host:port" or ":port" (server.http_addr).
std::string check_http_addr(const std::string& addr);
/// "" (not set), or what check_http_addr accepts.
std::string check_optional_addr(const std::string& addr);
/// "*" or scheme://host[:port] as browsers send it in Origin.
std::string check_origin(const std::string& origin);
/// "" or an origin (check_origin without "*"): server.public_url.
std::string check_optional_origin(const std::string& url);
std::string check_non_empty(const std::string& text);
/// Anything loads (secrets: their length depends on the run mode, startup_checks.hpp).
std::string check_nothing(const std::string& text);
/// An IP address or a CIDR range without host bits.
std::string check_ip_range(const std::string& entry);
/// A signaling.turn.urls entry: stun:, turn: or turns: host[:port] (TURN: ?transport=udp|tcp).
std::string check_ice_url(const std::string& url);
/// "" or a 32-byte Ed25519 seed in base64url without padding (43 characters), as the
/// private_key of a `tessera keygen` key file: bridge.node_key.
std::string check_optional_seed(const std::string& text);
/// "stdout" or "file:PATH".
std::string check_audit_output(const std::string& output);

}  // namespace tessera::config
