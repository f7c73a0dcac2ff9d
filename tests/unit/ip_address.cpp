#include "protocol/ip_address.hpp"

#include <boost/test/unit_test.hpp>

namespace {

namespace ip = tessera::ip_address;

std::string canonical(std::string_view text) {
  auto a = ip::parse(text);
  return a ? ip::to_string(*a) : "(none)";
}

ip::range must_range(std::string_view text) {
  auto r = ip::parse_range(text);
  BOOST_REQUIRE_MESSAGE(r.has_value(), text);
  return *r;
}

bool in(std::string_view range_text, std::string_view address_text) {
  auto a = ip::parse(address_text);
  BOOST_REQUIRE_MESSAGE(a.has_value(), address_text);
  return ip::contains(must_range(range_text), *a);
}

std::vector<ip::range> ranges(std::initializer_list<std::string_view> texts) {
  std::vector<ip::range> out;
  for (auto t : texts) out.push_back(must_range(t));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ip_address)

BOOST_AUTO_TEST_CASE(addresses_parse_to_canonical_form) {
  BOOST_TEST(canonical("1.2.3.4") == "1.2.3.4");
  BOOST_TEST(canonical("255.255.255.255") == "255.255.255.255");
  BOOST_TEST(canonical("::1") == "::1");
  BOOST_TEST(canonical("[::1]") == "::1");
  BOOST_TEST(canonical("2001:DB8:0:0:0:0:0:1") == "2001:db8::1");
  BOOST_TEST(canonical("::ffff:1.2.3.4") == "1.2.3.4");
  BOOST_TEST(canonical("::ffff:0102:0304") == "1.2.3.4");
}

BOOST_AUTO_TEST_CASE(v4_is_stored_mapped) {
  auto v4 = ip::parse("1.2.3.4");
  auto mapped = ip::parse("::ffff:1.2.3.4");
  BOOST_REQUIRE(v4.has_value());
  BOOST_REQUIRE(mapped.has_value());
  BOOST_TEST(v4->v4);
  BOOST_TEST(mapped->v4);
  BOOST_TEST((*v4 == *mapped));
  const std::array<uint8_t, 16> expected = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4};
  BOOST_TEST((v4->bytes == expected));
  BOOST_TEST(!ip::parse("::1")->v4);
  BOOST_TEST(!(*ip::parse("::1.2.3.4") == *v4));  // the deprecated v4-compatible form is not v4
}

BOOST_AUTO_TEST_CASE(what_is_not_an_address_is_refused) {
  for (const std::string& bad :
       {std::string(), std::string("1.2.3"), std::string("1.2.3.4.5"), std::string("256.1.1.1"),
        std::string("01.2.3.4"), std::string("1.2.3.4 "), std::string(" 1.2.3.4"),
        std::string("1.2.3.4:80"), std::string("[::1]:80"), std::string("[::1"), std::string("::1]"),
        std::string("1::2::3"), std::string("fe80::1%eth0"), std::string("unknown"),
        std::string("localhost"), std::string("1.2.3.4\0", 8) + "junk", std::string(100, '1')}) {
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!ip::parse(bad).has_value()); }
  }
}

BOOST_AUTO_TEST_CASE(ranges_parse) {
  BOOST_TEST(must_range("10.0.0.0/8").prefix_bits == 96 + 8);
  BOOST_TEST(must_range("0.0.0.0/0").prefix_bits == 96);
  BOOST_TEST(must_range("1.2.3.4/32").prefix_bits == 128);
  BOOST_TEST(must_range("1.2.3.4").prefix_bits == 128);
  BOOST_TEST(must_range("fd00::/8").prefix_bits == 8);
  BOOST_TEST(must_range("::/0").prefix_bits == 0);
  BOOST_TEST(must_range("::ffff:10.0.0.0/104").prefix_bits == 104);
  BOOST_TEST(must_range("[::1]/128").prefix_bits == 128);
}

BOOST_AUTO_TEST_CASE(malformed_ranges_are_refused) {
  for (auto bad : {"10.0.0.0/33", "fd00::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8",
                   "10.0.0.0/8/8", "10.0.0.0/0008", "10.0.0.0/a", "/8", "", "10.0.0.1/8",
                   "10.0.1.0/16", "fd00::1/8", "192.168.1.128/24"}) {
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!ip::parse_range(bad).has_value()); }
  }
  BOOST_TEST(ip::parse_range("192.168.1.128/25").has_value());
}

BOOST_AUTO_TEST_CASE(contains_checks_the_prefix_bits) {
  BOOST_TEST(in("10.0.0.0/8", "10.255.1.2"));
  BOOST_TEST(!in("10.0.0.0/8", "11.0.0.0"));
  BOOST_TEST(!in("10.0.0.0/8", "9.255.255.255"));
  BOOST_TEST(in("172.16.0.0/12", "172.31.255.255"));
  BOOST_TEST(!in("172.16.0.0/12", "172.32.0.0"));
  BOOST_TEST(in("192.168.1.128/25", "192.168.1.200"));
  BOOST_TEST(!in("192.168.1.128/25", "192.168.1.127"));
  BOOST_TEST(in("1.2.3.4", "1.2.3.4"));
  BOOST_TEST(!in("1.2.3.4", "1.2.3.5"));
  BOOST_TEST(in("0.0.0.0/0", "203.0.113.9"));
  BOOST_TEST(!in("0.0.0.0/0", "2001:db8::1"));  // a v4 range holds no v6 address
  BOOST_TEST(in("::/0", "203.0.113.9"));
  BOOST_TEST(in("fd00::/8", "fdab:cd::1"));
  BOOST_TEST(!in("fd00::/8", "fe00::1"));
  BOOST_TEST(in("10.0.0.0/8", "::ffff:10.1.2.3"));  // a dual-stack peer
  BOOST_TEST(in("::ffff:10.0.0.0/104", "10.9.9.9"));
}

BOOST_AUTO_TEST_CASE(contains_any_checks_each_range) {
  auto rs = ranges({"10.0.0.0/8", "::1"});
  BOOST_TEST(ip::contains_any(rs, *ip::parse("10.1.1.1")));
  BOOST_TEST(ip::contains_any(rs, *ip::parse("::1")));
  BOOST_TEST(!ip::contains_any(rs, *ip::parse("127.0.0.1")));
  BOOST_TEST(!ip::contains_any({}, *ip::parse("10.1.1.1")));
}

BOOST_AUTO_TEST_CASE(an_untrusted_peer_is_the_client_whatever_it_claims) {
  auto trusted = ranges({"10.0.0.0/8"});
  BOOST_TEST(ip::client_of("203.0.113.9", "1.1.1.1", trusted) == "203.0.113.9");
  BOOST_TEST(ip::client_of("203.0.113.9", "1.1.1.1", {}) == "203.0.113.9");
  BOOST_TEST(ip::client_of("::ffff:203.0.113.9", "", trusted) == "203.0.113.9");
}

BOOST_AUTO_TEST_CASE(a_trusted_proxy_speaks_for_the_next_hop) {
  auto trusted = ranges({"10.0.0.0/8"});
  BOOST_TEST(ip::client_of("10.0.0.1", "198.51.100.7", trusted) == "198.51.100.7");
  BOOST_TEST(ip::client_of("10.0.0.1", " 2001:DB8::7 ", trusted) == "2001:db8::7");
  BOOST_TEST(ip::client_of("10.0.0.1", "", trusted) == "10.0.0.1");
}

// The client can write anything at the left of the header; only hops added
// by trusted proxies (at the right) count.
BOOST_AUTO_TEST_CASE(the_walk_stops_at_the_first_untrusted_hop) {
  auto trusted = ranges({"10.0.0.0/8", "fd00::/8"});
  BOOST_TEST(ip::client_of("10.0.0.1", "6.6.6.6, 198.51.100.7, 10.0.0.2", trusted) ==
             "198.51.100.7");
  BOOST_TEST(ip::client_of("10.0.0.1", "6.6.6.6,198.51.100.7,fd00::2,10.0.0.3", trusted) ==
             "198.51.100.7");
  // Every hop trusted: the leftmost one is the best we know.
  BOOST_TEST(ip::client_of("10.0.0.1", "10.0.0.5, 10.0.0.2", trusted) == "10.0.0.5");
}

BOOST_AUTO_TEST_CASE(malformed_hops_stop_the_walk_at_the_last_good_one) {
  auto trusted = ranges({"10.0.0.0/8"});
  BOOST_TEST(ip::client_of("10.0.0.1", "198.51.100.7, garbage", trusted) == "10.0.0.1");
  BOOST_TEST(ip::client_of("10.0.0.1", "198.51.100.7, 10.0.0.2, unknown", trusted) == "10.0.0.1");
  BOOST_TEST(ip::client_of("10.0.0.1", "garbage, 10.0.0.2", trusted) == "10.0.0.2");
  BOOST_TEST(ip::client_of("10.0.0.1", "198.51.100.7,", trusted) == "10.0.0.1");
  BOOST_TEST(ip::client_of("10.0.0.1", "198.51.100.7:4711", trusted) == "10.0.0.1");
  BOOST_TEST(ip::client_of("10.0.0.1", " , ", trusted) == "10.0.0.1");
}

BOOST_AUTO_TEST_CASE(an_unparsable_peer_is_returned_as_is) {
  BOOST_TEST(ip::client_of("not-an-ip", "1.1.1.1", ranges({"0.0.0.0/0"})) == "not-an-ip");
}

BOOST_AUTO_TEST_SUITE_END()
