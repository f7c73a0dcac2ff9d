#pragma once
// Which addresses an outbound request (endpoint verification, later the
// bridge) may reach. Anything that is not plainly a public unicast address is
// blocked, so that a URL supplied by an agent cannot make the server probe its
// own network (SSRF): loopback, private and link-local networks, cloud
// metadata (169.254.169.254), and the special-purpose ranges.
#include <string_view>
#include <vector>

#include "protocol/ip_address.hpp"

namespace tessera::address_class {

enum class kind {
  global,           // public unicast: the only kind reachable by default
  loopback,         // 127/8, ::1
  private_network,  // 10/8, 172.16/12, 192.168/16
  link_local,       // 169.254/16, fe80::/10 (includes cloud metadata)
  carrier_nat,      // 100.64/10, shared address space (RFC 6598)
  multicast,        // 224/4, ff00::/8
  unspecified,      // 0/8, ::
  unique_local,     // fc00::/7
  site_local,       // fec0::/10 (deprecated, still routed privately)
  reserved,         // documentation, benchmarking, 240/4, NAT64, discard, ...
};

/// The kind of `a`. IPv6 forms that embed an IPv4 address (mapped
/// ::ffff:a.b.c.d, compatible ::a.b.c.d, 6to4 2002:AABB:CCDD::) are
/// classified by the embedded address, since that is where packets go.
/// NAT64 prefixes (64:ff9b::/96, 64:ff9b:1::/48) are blocked outright: a
/// translator forwards them to the embedded IPv4 address, which may be private.
/// IPv6 outside 2000::/3 (global unicast) that no rule above names is
/// unallocated, hence reserved.
kind classify(const ip_address::address& a);

/// A short name for messages: "public", "loopback", "private", "link-local", ...
std::string_view name(kind k);

/// Whether an outbound connection to `a` is permitted: public addresses, and
/// blocked ones that lie in one of `allow` (security.allow_cidrs). The
/// allow-list is matched against the address as resolved, not an embedded
/// one, so allowing 127.0.0.0/8 does not open ::127.0.0.1 or 2002:7f00:1::.
bool permitted(const ip_address::address& a, const std::vector<ip_address::range>& allow);

}  // namespace tessera::address_class
