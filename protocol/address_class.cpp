#include "protocol/address_class.hpp"

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <utility>

namespace tessera::address_class {

namespace {

struct rule {
  ip_address::range range;
  kind why;
};

std::vector<rule> make_rules(std::initializer_list<std::pair<std::string_view, kind>> entries) {
  std::vector<rule> rules;
  for (const auto& [text, why] : entries)
    rules.push_back({ip_address::parse_range(text).value(), why});
  return rules;
}

// Every blocked range that has a name of its own (IANA special-purpose
// registries, RFC 6890 and successors). IPv4 ranges are written dotted, so
// they hold the mapped form in which ip_address stores every IPv4 address.
const std::vector<rule>& rules() {
  static const std::vector<rule> table = make_rules({
      {"0.0.0.0/8", kind::unspecified},  // "this network"; 0.0.0.0 reaches the local host
      {"10.0.0.0/8", kind::private_network},
      {"100.64.0.0/10", kind::carrier_nat},
      {"127.0.0.0/8", kind::loopback},
      {"169.254.0.0/16", kind::link_local},
      {"172.16.0.0/12", kind::private_network},
      {"192.0.0.0/24", kind::reserved},     // IETF protocol assignments
      {"192.0.2.0/24", kind::reserved},     // TEST-NET-1
      {"192.88.99.0/24", kind::reserved},   // 6to4 relay anycast, deprecated (RFC 7526)
      {"192.168.0.0/16", kind::private_network},
      {"198.18.0.0/15", kind::reserved},    // benchmarking
      {"198.51.100.0/24", kind::reserved},  // TEST-NET-2
      {"203.0.113.0/24", kind::reserved},   // TEST-NET-3
      {"224.0.0.0/4", kind::multicast},
      {"240.0.0.0/4", kind::reserved},      // future use; includes 255.255.255.255 (broadcast)
      {"::/128", kind::unspecified},
      {"::1/128", kind::loopback},
      {"64:ff9b::/96", kind::reserved},     // NAT64 well-known prefix (see the header)
      {"64:ff9b:1::/48", kind::reserved},   // NAT64 local-use prefix (RFC 8215)
      {"100::/64", kind::reserved},         // discard-only
      {"2001::/23", kind::reserved},        // IETF protocol assignments, incl. Teredo 2001::/32
      {"2001:db8::/32", kind::reserved},    // documentation
      {"3fff::/20", kind::reserved},        // documentation (RFC 9637)
      {"fc00::/7", kind::unique_local},
      {"fe80::/10", kind::link_local},
      {"fec0::/10", kind::site_local},
      {"ff00::/8", kind::multicast},
  });
  return table;
}

std::optional<kind> named_range_of(const ip_address::address& a) {
  const auto& table = rules();
  auto found = std::find_if(table.begin(), table.end(),
                            [&](const rule& r) { return ip_address::contains(r.range, a); });
  if (found == table.end()) return std::nullopt;
  return found->why;
}

ip_address::address v4_at(const ip_address::address& a, size_t offset) {
  ip_address::address v4;
  v4.bytes[10] = v4.bytes[11] = 0xff;
  std::copy_n(a.bytes.begin() + offset, 4, v4.bytes.begin() + 12);
  v4.v4 = true;
  return v4;
}

// The IPv4 address that packets to `a` really go to, for the forms that carry
// one in the clear: IPv4-compatible ::a.b.c.d (deprecated, but a stack that
// still honours it tunnels to a.b.c.d) and 6to4 2002:AABB:CCDD::/48.
std::optional<ip_address::address> embedded_v4(const ip_address::address& a) {
  if (std::all_of(a.bytes.begin(), a.bytes.begin() + 12, [](uint8_t b) { return b == 0; }))
    return v4_at(a, 12);
  if (a.bytes[0] == 0x20 && a.bytes[1] == 0x02) return v4_at(a, 2);
  return std::nullopt;
}

bool global_unicast_v6(const ip_address::address& a) { return (a.bytes[0] & 0xe0) == 0x20; }

}  // namespace

kind classify(const ip_address::address& a) {
  if (auto named = named_range_of(a)) return *named;
  if (a.v4) return kind::global;
  if (auto v4 = embedded_v4(a)) return classify(*v4);
  // Only 2000::/3 is allocated for global unicast; the rest is unassigned.
  return global_unicast_v6(a) ? kind::global : kind::reserved;
}

std::string_view name(kind k) {
  switch (k) {
    case kind::global: return "public";
    case kind::loopback: return "loopback";
    case kind::private_network: return "private";
    case kind::link_local: return "link-local";
    case kind::carrier_nat: return "carrier-grade NAT";
    case kind::multicast: return "multicast";
    case kind::unspecified: return "unspecified";
    case kind::unique_local: return "unique-local";
    case kind::site_local: return "site-local";
    case kind::reserved: return "reserved";
  }
  return "reserved";
}

bool permitted(const ip_address::address& a, const std::vector<ip_address::range>& allow) {
  return classify(a) == kind::global || ip_address::contains_any(allow, a);
}

}  // namespace tessera::address_class
