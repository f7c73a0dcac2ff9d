#include <boost/test/unit_test.hpp>

#include "protocol/json_body.hpp"

using namespace tessera;

BOOST_AUTO_TEST_SUITE(json_body)

namespace {
std::string error_of(std::string_view text) {
  problem err;
  auto doc = tessera::json_body::parse(text, "body", err);
  return doc ? "" : err.message;
}
}  // namespace

BOOST_AUTO_TEST_CASE(accepts_ordinary_json) {
  problem err;
  auto doc = tessera::json_body::parse(R"({"a":[1,{"b":"}{"}],"c":"\"{"})", "body", err);
  BOOST_REQUIRE(doc);
  BOOST_TEST((*doc)["a"][1]["b"] == "}{");
  // Equal keys in different objects are not duplicates.
  BOOST_TEST(error_of(R"({"a":{"x":1},"b":{"x":2}})") == "");
}

BOOST_AUTO_TEST_CASE(refuses_duplicate_keys_at_any_depth) {
  BOOST_TEST(error_of(R"({"name":"a","name":"b"})") == "body: duplicate key \"name\" in an object");
  BOOST_TEST(error_of(R"({"s":[{"id":1,"id":2}]})") == "body: duplicate key \"id\" in an object");
}

BOOST_AUTO_TEST_CASE(refuses_deep_nesting_before_parsing) {
  BOOST_TEST(error_of(std::string(32, '[') + std::string(32, ']')) == "");
  BOOST_TEST(error_of(std::string(33, '[') + std::string(33, ']')) ==
             "body: JSON nests deeper than 32 levels");
  // Brackets inside strings don't count.
  BOOST_TEST(error_of("[\"" + std::string(100, '[') + "\"]") == "");
  BOOST_TEST(error_of(std::string(100000, '{')) == "body: JSON nests deeper than 32 levels");
}

BOOST_AUTO_TEST_CASE(refuses_malformed_json_and_numbers_out_of_range) {
  BOOST_TEST(error_of(R"({"a": )") == "body: malformed JSON at byte 7");
  BOOST_TEST(error_of(R"({"n": 1e400})") == "body: a number is out of range");
  BOOST_TEST(error_of("") != "");
  BOOST_TEST(error_of("\xEF\xBB\xBF{}") == "body: must not start with a byte order mark");
}

// nlohmann's lexer stops at a NUL byte: without the check "<value>\0<rest>"
// would parse as <value> and <rest> would be stored with it.
BOOST_AUTO_TEST_CASE(nothing_but_whitespace_after_the_value) {
  using namespace std::string_literals;
  BOOST_TEST(error_of("{\"a\":1}\0,\"injected\":1}"s) == "body: malformed JSON at byte 8: a NUL byte");
  BOOST_TEST(error_of("{\"a\":\"x\0y\"}"s) == "body: malformed JSON at byte 8: a NUL byte");
  BOOST_TEST(error_of(R"({"a":1} {"b":2})") != "");
  BOOST_TEST(error_of(R"({"a":1},)") != "");
  BOOST_TEST(error_of("{\"a\":1} \r\n\t ") == "");
}

BOOST_AUTO_TEST_SUITE_END()
