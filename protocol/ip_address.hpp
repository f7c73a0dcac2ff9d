#pragma once
// IPv4/IPv6 addresses and CIDR ranges: which client a request came from when
// proxies are in front (X-Forwarded-For), and later which outbound targets are
// private networks.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::ip_address {

/// An address as 16 bytes; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d), so a
/// v4 address and its mapped v6 form compare equal. `v4` is true for every
/// mapped address, however it was written, so to_string shows it dotted.
struct address {
  std::array<uint8_t, 16> bytes{};
  bool v4 = false;

  friend bool operator==(const address&, const address&) = default;
};

/// "1.2.3.4", "::1", "[::1]", "::ffff:1.2.3.4"; nullopt if not an address.
std::optional<address> parse(std::string_view text);
std::string to_string(const address& a);

struct range {
  address base;
  int prefix_bits = 128;  // in the 16-byte form (a v4 /24 is 96 + 24)
};

/// "10.0.0.0/8", "fd00::/8", or a single address; nullopt if malformed
/// (including host bits set beyond the prefix). A dotted address takes a v4
/// prefix (0-32), so a v4 range never contains a non-mapped v6 address.
std::optional<range> parse_range(std::string_view text);
bool contains(const range& r, const address& a);
bool contains_any(const std::vector<range>& rs, const address& a);

/// What counts as one client: the address itself, or for IPv6 its /64 (a
/// client usually holds a whole /64, and each of its addresses would count
/// apart). Text that is not an address is returned as it is.
std::string client_key(const std::string& ip);

/// The client's address. `peer` is the socket's remote address. Only when the
/// peer is a trusted proxy is `forwarded_for` (the X-Forwarded-For value,
/// possibly several comma-separated hops) consulted: it is walked from the
/// right, skipping trusted proxies, and the first untrusted hop is the client.
/// Malformed hops (including "unknown" and hops with a port) stop the walk
/// at the last good one. Several X-Forwarded-For headers are joined with ','
/// in order. Returns the address in canonical form (to_string), or `peer`
/// unchanged if it does not parse.
std::string client_of(std::string_view peer, std::string_view forwarded_for,
                      const std::vector<range>& trusted);

}  // namespace tessera::ip_address
