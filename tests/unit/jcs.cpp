#include "protocol/jcs.hpp"

#include <bit>
#include <boost/test/unit_test.hpp>
#include <limits>

#include "protocol/encoding.hpp"

using nlohmann::json;

namespace {

std::string canonical(const json& value) { return tessera::jcs::canonicalize(value); }

}  // namespace

BOOST_AUTO_TEST_SUITE(jcs)

// RFC 8785 §3.2.2 input, its canonical form (§3.2.3) and that form's UTF-8 bytes (§3.2.4).
BOOST_AUTO_TEST_CASE(rfc8785_section_3_2_2_example) {
  auto out = canonical(json::parse(R"({
    "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
    "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
    "literals": [null, true, false]
  })"));
  BOOST_TEST(out == R"({"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,)"
                    "0.002,1e-27],\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
  BOOST_TEST(tessera::encoding::hex_encode(out) ==
             "7b226c69746572616c73223a5b6e756c6c2c7472"
             "75652c66616c73655d2c226e756d62657273223a"
             "5b3333333333333333332e333333333333332c31"
             "652b33302c342e352c302e3030322c31652d3237"
             "5d2c22737472696e67223a22e282ac245c753030"
             "30665c6e4127425c225c5c5c5c5c222f227d");
}

// RFC 8785 §3.2.3: names sort by UTF-16 code units, so U+1F600 (D83D DE00) comes
// before U+FB33 although its UTF-8 bytes sort after.
BOOST_AUTO_TEST_CASE(rfc8785_section_3_2_3_utf16_sorting) {
  auto out = canonical(json::parse(R"({
    "\u20ac": "Euro Sign",
    "\r": "Carriage Return",
    "\ufb33": "Hebrew Letter Dalet With Dagesh",
    "1": "One",
    "\ud83d\ude00": "Emoji: Grinning Face",
    "\u0080": "Control",
    "\u00f6": "Latin Small Letter O With Diaeresis"
  })"));
  BOOST_TEST(out == "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
                    "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\","
                    "\"\xe2\x82\xac\":\"Euro Sign\","
                    "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
                    "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
}

// cyberphone/json-canonicalization testdata/input/weird.json and output/weird.json
// (the reference implementation by the RFC's first author).
BOOST_AUTO_TEST_CASE(reference_testdata_weird) {
  auto out = canonical(json::parse(R"({
    "\u20ac": "Euro Sign",
    "1": "One",
    "\u0080": "Control\u007f",
    "\ud83d\ude02": "Smiley",
    "\u00f6": "Latin Small Letter O With Diaeresis",
    "\ufb33": "Hebrew Letter Dalet With Dagesh",
    "</script>": "Browser Challenge"
  })"));
  BOOST_TEST(out == "{\"1\":\"One\",\"</script>\":\"Browser Challenge\","
                    "\"\xc2\x80\":\"Control\x7f\","
                    "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\","
                    "\"\xe2\x82\xac\":\"Euro Sign\",\"\xf0\x9f\x98\x82\":\"Smiley\","
                    "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
}

// RFC 8785 Appendix B: IEEE 754 bit patterns and their ECMAScript serialization.
BOOST_AUTO_TEST_CASE(rfc8785_appendix_b_numbers) {
  const std::pair<uint64_t, const char*> samples[] = {
      {0x0000000000000000, "0"},
      {0x8000000000000000, "0"},
      {0x0000000000000001, "5e-324"},
      {0x8000000000000001, "-5e-324"},
      {0x7fefffffffffffff, "1.7976931348623157e+308"},
      {0xffefffffffffffff, "-1.7976931348623157e+308"},
      {0x4340000000000000, "9007199254740992"},
      {0xc340000000000000, "-9007199254740992"},
      {0x4430000000000000, "295147905179352830000"},
      {0x44b52d02c7e14af5, "9.999999999999997e+22"},
      {0x44b52d02c7e14af6, "1e+23"},
      {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
      {0x444b1ae4d6e2ef4e, "999999999999999700000"},
      {0x444b1ae4d6e2ef4f, "999999999999999900000"},
      {0x444b1ae4d6e2ef50, "1e+21"},
      {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
      {0x3eb0c6f7a0b5ed8d, "0.000001"},
      {0x41b3de4355555553, "333333333.3333332"},
      {0x41b3de4355555554, "333333333.33333325"},
      {0x41b3de4355555555, "333333333.3333333"},
      {0x41b3de4355555556, "333333333.3333334"},
      {0x41b3de4355555557, "333333333.33333343"},
      {0xbecbf647612f3696, "-0.0000033333333333333333"},
      {0x43143ff3c1cb0959, "1424953923781206.2"},
  };
  for (const auto& [bits, expected] : samples)
    BOOST_TEST(canonical(std::bit_cast<double>(bits)) == expected, std::hex << bits);
}

BOOST_AUTO_TEST_CASE(nan_and_infinity_are_refused) {
  BOOST_CHECK_THROW(canonical(std::bit_cast<double>(uint64_t{0x7fffffffffffffff})),
                    std::invalid_argument);
  BOOST_CHECK_THROW(canonical(std::bit_cast<double>(uint64_t{0x7ff0000000000000})),
                    std::invalid_argument);
  BOOST_CHECK_THROW(canonical(json::array({1, -std::numeric_limits<double>::infinity()})),
                    std::invalid_argument);
}

// ES Number::toString switches to exponent form at 1e21 and below 1e-6.
BOOST_AUTO_TEST_CASE(exponent_thresholds) {
  BOOST_TEST(canonical(1e21) == "1e+21");
  BOOST_TEST(canonical(1e20) == "100000000000000000000");
  BOOST_TEST(canonical(1e-7) == "1e-7");
  BOOST_TEST(canonical(1.5e-7) == "1.5e-7");
  BOOST_TEST(canonical(0.1) == "0.1");
  BOOST_TEST(canonical(-0.0) == "0");
  BOOST_TEST(canonical(100.0) == "100");
  BOOST_TEST(canonical(123.456) == "123.456");
}

// Integers print as integers while a double holds them exactly; beyond 2^53 they
// print as JS would print the double they round to.
BOOST_AUTO_TEST_CASE(integers) {
  BOOST_TEST(canonical(json(0)) == "0");
  BOOST_TEST(canonical(json(-42)) == "-42");
  BOOST_TEST(canonical(json(uint64_t{9007199254740992})) == "9007199254740992");
  BOOST_TEST(canonical(json(int64_t{-9007199254740992})) == "-9007199254740992");
  BOOST_TEST(canonical(json(uint64_t{9007199254740993})) == "9007199254740992");
  BOOST_TEST(canonical(json(std::numeric_limits<uint64_t>::max())) == "18446744073709552000");
  BOOST_TEST(canonical(json(std::numeric_limits<int64_t>::min())) == "-9223372036854776000");
  BOOST_TEST(canonical(json::parse("295147905179352825856")) == "295147905179352830000");
}

BOOST_AUTO_TEST_CASE(string_escaping) {
  BOOST_TEST(canonical(std::string("\b\t\n\f\r\"\\/")) == R"("\b\t\n\f\r\"\\/")");
  BOOST_TEST(canonical(std::string("\x01\x1f\x7f", 3)) == "\"\\u0001\\u001f\x7f\"");
  BOOST_TEST(canonical(std::string("\0", 1)) == R"("\u0000")");
  BOOST_TEST(canonical("\xe2\x82\xac\xf0\x9f\x98\x80") == "\"\xe2\x82\xac\xf0\x9f\x98\x80\"");
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_refused) {
  for (const char* bad : {"\xff", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80"}) {
    BOOST_CHECK_THROW(canonical(std::string(bad)), std::invalid_argument);
    BOOST_CHECK_THROW(canonical(json{{std::string(bad), 1}}), std::invalid_argument);
  }
}

BOOST_AUTO_TEST_CASE(nesting_and_whitespace) {
  auto out = canonical(json::parse(R"( { "b" : [ 3 , { "z" : 1 , "a" : 2 } ] ,
                                        "a" : { "y" : null , "x" : true } , "c" : [ ] ,
                                        "d" : { } } )"));
  BOOST_TEST(out == R"({"a":{"x":true,"y":null},"b":[3,{"a":2,"z":1}],"c":[],"d":{}})");
}

BOOST_AUTO_TEST_SUITE_END()
