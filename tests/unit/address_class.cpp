#include "protocol/address_class.hpp"

#include <boost/test/unit_test.hpp>

namespace {

namespace ip = tessera::ip_address;
namespace ac = tessera::address_class;
using ac::kind;

ip::address must_parse(std::string_view text) {
  auto a = ip::parse(text);
  BOOST_REQUIRE_MESSAGE(a.has_value(), text);
  return *a;
}

// Kinds are compared by name, which Boost.Test can print.
std::string_view kind_of(std::string_view text) { return ac::name(ac::classify(must_parse(text))); }

std::vector<ip::range> ranges(std::initializer_list<std::string_view> texts) {
  std::vector<ip::range> out;
  for (auto text : texts) {
    auto r = ip::parse_range(text);
    BOOST_REQUIRE_MESSAGE(r.has_value(), text);
    out.push_back(*r);
  }
  return out;
}

struct expectation {
  std::string_view address;
  kind expected;
};

void check_all(std::initializer_list<expectation> cases) {
  for (const auto& c : cases)
    BOOST_TEST(kind_of(c.address) == ac::name(c.expected), c.address);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(address_class)

// First and last address of every blocked IPv4 range.
BOOST_AUTO_TEST_CASE(blocked_ipv4_ranges_from_first_to_last) {
  check_all({
      {"0.0.0.0", kind::unspecified},       {"0.255.255.255", kind::unspecified},
      {"10.0.0.0", kind::private_network},  {"10.255.255.255", kind::private_network},
      {"100.64.0.0", kind::carrier_nat},    {"100.127.255.255", kind::carrier_nat},
      {"127.0.0.0", kind::loopback},        {"127.255.255.255", kind::loopback},
      {"169.254.0.0", kind::link_local},    {"169.254.255.255", kind::link_local},
      {"172.16.0.0", kind::private_network}, {"172.31.255.255", kind::private_network},
      {"192.0.0.0", kind::reserved},        {"192.0.0.255", kind::reserved},
      {"192.0.2.0", kind::reserved},        {"192.0.2.255", kind::reserved},
      {"192.88.99.0", kind::reserved},      {"192.88.99.255", kind::reserved},
      {"192.168.0.0", kind::private_network}, {"192.168.255.255", kind::private_network},
      {"198.18.0.0", kind::reserved},       {"198.19.255.255", kind::reserved},
      {"198.51.100.0", kind::reserved},     {"198.51.100.255", kind::reserved},
      {"203.0.113.0", kind::reserved},      {"203.0.113.255", kind::reserved},
      {"224.0.0.0", kind::multicast},       {"239.255.255.255", kind::multicast},
      {"240.0.0.0", kind::reserved},        {"255.255.255.254", kind::reserved},
      {"255.255.255.255", kind::reserved},
  });
  BOOST_TEST(kind_of("169.254.169.254") == ac::name(kind::link_local));  // cloud metadata
}

// The address just before and just after each blocked IPv4 range is public
// (where it is not itself in a neighbouring blocked range).
BOOST_AUTO_TEST_CASE(ipv4_neighbours_outside_the_ranges_are_public) {
  for (const char* text :
       {"1.0.0.0", "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0",
        "126.255.255.255", "128.0.0.0", "169.253.255.255", "169.255.0.0", "172.15.255.255",
        "172.32.0.0", "191.255.255.255", "192.0.1.0", "192.0.3.0", "192.88.98.255",
        "192.88.100.0", "192.167.255.255", "192.169.0.0", "198.17.255.255", "198.20.0.0",
        "198.51.99.255", "198.51.101.0", "203.0.112.255", "203.0.114.0", "223.255.255.255",
        "8.8.8.8", "1.1.1.1"})
    BOOST_TEST(kind_of(text) == ac::name(kind::global), text);
}

BOOST_AUTO_TEST_CASE(blocked_ipv6_ranges_from_first_to_last) {
  check_all({
      {"::", kind::unspecified},
      {"::1", kind::loopback},
      {"fe80::", kind::link_local},
      {"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", kind::link_local},
      {"fec0::", kind::site_local},
      {"feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", kind::site_local},
      {"fc00::", kind::unique_local},
      {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", kind::unique_local},
      {"ff00::", kind::multicast},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", kind::multicast},
      {"100::", kind::reserved},
      {"100::ffff:ffff:ffff:ffff", kind::reserved},
      {"2001:db8::", kind::reserved},
      {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", kind::reserved},
      {"2001::", kind::reserved},  // Teredo and the other IETF assignments
      {"2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", kind::reserved},
      {"3fff::", kind::reserved},
      {"3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", kind::reserved},
      {"64:ff9b::", kind::reserved},
      {"64:ff9b::ffff:ffff", kind::reserved},
      {"64:ff9b:1::", kind::reserved},
      {"64:ff9b:1:ffff:ffff:ffff:ffff:ffff", kind::reserved},
  });
}

BOOST_AUTO_TEST_CASE(ipv6_neighbours_and_public_addresses) {
  for (const char* text :
       {"2000::", "2001:200::", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::",
        "2606:4700:4700::1111", "2a00:1450:4001:81c::200e", "3ffe:ffff::",
        "3fff:1000::", "3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"})
    BOOST_TEST(kind_of(text) == ac::name(kind::global), text);
  // Just outside the named ranges, but outside 2000::/3 too: unallocated.
  for (const char* text : {"::2:0:0:0:0", "100:0:0:1::", "64:ff9b::1:0:0", "fbff::",
                            "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "4000::", "1fff::"})
    BOOST_TEST(kind_of(text) == ac::name(kind::reserved), text);
}

// NAT64 embeds an IPv4 address that a translator forwards to, public or not;
// the whole prefix is refused rather than trusting the embedded part.
BOOST_AUTO_TEST_CASE(nat64_is_blocked_even_for_public_embedded_addresses) {
  BOOST_TEST(kind_of("64:ff9b::8.8.8.8") == ac::name(kind::reserved));
  BOOST_TEST(kind_of("64:ff9b::127.0.0.1") == ac::name(kind::reserved));
  BOOST_TEST(kind_of("64:ff9b::a9fe:a9fe") == ac::name(kind::reserved));
}

BOOST_AUTO_TEST_CASE(ipv4_mapped_forms_are_classified_by_the_embedded_address) {
  check_all({
      {"::ffff:127.0.0.1", kind::loopback},
      {"::ffff:7f00:1", kind::loopback},  // the same, written in hex
      {"[::ffff:10.1.2.3]", kind::private_network},
      {"::FFFF:169.254.169.254", kind::link_local},
      {"0:0:0:0:0:ffff:c0a8:0101", kind::private_network},
      {"::ffff:0.0.0.0", kind::unspecified},
      {"::ffff:8.8.8.8", kind::global},
  });
}

BOOST_AUTO_TEST_CASE(ipv4_compatible_forms_are_classified_by_the_embedded_address) {
  check_all({
      {"::127.0.0.1", kind::loopback},
      {"::7f00:1", kind::loopback},
      {"::10.0.0.1", kind::private_network},
      {"::169.254.169.254", kind::link_local},
      {"::0.0.0.2", kind::unspecified},
      {"::8.8.8.8", kind::global},
  });
}

BOOST_AUTO_TEST_CASE(six_to_four_is_classified_by_the_embedded_address) {
  check_all({
      {"2002:7f00:1::", kind::loopback},
      {"2002:7f00:0001:ffff:ffff:ffff:ffff:ffff", kind::loopback},
      {"2002:a00:1::1", kind::private_network},
      {"2002:a9fe:a9fe::", kind::link_local},
      {"2002:c0a8:101::", kind::private_network},
      {"2002:e000::", kind::multicast},
      {"2002:808:808::", kind::global},
  });
}

BOOST_AUTO_TEST_CASE(ipv6_spellings_do_not_change_the_verdict) {
  check_all({
      {"0:0:0:0:0:0:0:1", kind::loopback},
      {"0000:0000:0000:0000:0000:0000:0000:0001", kind::loopback},
      {"[::1]", kind::loopback},
      {"FE80::1", kind::link_local},
      {"fe80:0:0:0:0:0:0:1", kind::link_local},
      {"0:0:0:0:0:0:0:0", kind::unspecified},
  });
}

// A zone index is a host-local routing choice; an address that carries one
// never gets as far as the classifier.
BOOST_AUTO_TEST_CASE(scoped_addresses_are_refused_by_parse) {
  BOOST_TEST(!ip::parse("fe80::1%eth0").has_value());
  BOOST_TEST(!ip::parse("[fe80::1%25eth0]").has_value());
  BOOST_TEST(!ip::parse("fe80::1%1").has_value());
}

BOOST_AUTO_TEST_CASE(names_are_short_and_distinct) {
  BOOST_TEST(ac::name(kind::global) == "public");
  BOOST_TEST(ac::name(kind::loopback) == "loopback");
  BOOST_TEST(ac::name(kind::private_network) == "private");
  BOOST_TEST(ac::name(kind::link_local) == "link-local");
  BOOST_TEST(ac::name(kind::carrier_nat) == "carrier-grade NAT");
  BOOST_TEST(ac::name(kind::multicast) == "multicast");
  BOOST_TEST(ac::name(kind::unspecified) == "unspecified");
  BOOST_TEST(ac::name(kind::unique_local) == "unique-local");
  BOOST_TEST(ac::name(kind::site_local) == "site-local");
  BOOST_TEST(ac::name(kind::reserved) == "reserved");
}

BOOST_AUTO_TEST_CASE(public_addresses_are_permitted_without_an_allow_list) {
  BOOST_TEST(ac::permitted(must_parse("93.184.216.34"), {}));
  BOOST_TEST(ac::permitted(must_parse("2606:4700::1"), {}));
  BOOST_TEST(!ac::permitted(must_parse("127.0.0.1"), {}));
  BOOST_TEST(!ac::permitted(must_parse("::1"), {}));
}

BOOST_AUTO_TEST_CASE(the_allow_list_overrides_a_block) {
  auto allow = ranges({"127.0.0.0/8", "::1", "10.1.0.0/16"});
  BOOST_TEST(ac::permitted(must_parse("127.0.0.1"), allow));
  BOOST_TEST(ac::permitted(must_parse("127.255.255.255"), allow));
  BOOST_TEST(ac::permitted(must_parse("::ffff:127.0.0.1"), allow));  // the same address
  BOOST_TEST(ac::permitted(must_parse("::1"), allow));
  BOOST_TEST(ac::permitted(must_parse("10.1.200.3"), allow));
  BOOST_TEST(!ac::permitted(must_parse("10.2.0.1"), allow));
  BOOST_TEST(!ac::permitted(must_parse("169.254.169.254"), allow));
  BOOST_TEST(!ac::permitted(must_parse("192.168.1.1"), allow));
}

// Allowing a range opens exactly that range: the v6 forms that embed one of
// its addresses stay blocked unless they are listed themselves.
BOOST_AUTO_TEST_CASE(the_allow_list_matches_the_address_as_resolved) {
  auto allow = ranges({"127.0.0.0/8"});
  BOOST_TEST(!ac::permitted(must_parse("::127.0.0.1"), allow));
  BOOST_TEST(!ac::permitted(must_parse("2002:7f00:1::"), allow));
  BOOST_TEST(!ac::permitted(must_parse("64:ff9b::127.0.0.1"), allow));
  BOOST_TEST(ac::permitted(must_parse("2002:7f00:1::"), ranges({"2002:7f00::/24"})));
  BOOST_TEST(ac::permitted(must_parse("169.254.169.254"), ranges({"0.0.0.0/0"})));
}

BOOST_AUTO_TEST_SUITE_END()
