#include "protocol/signaling.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <string>

namespace {

tessera::signal_envelope sample() {
  tessera::signal_envelope e;
  e.to = "z6MkTo";
  e.from = "z6MkFrom";
  e.type = "offer";
  // The forwarded frame is JSON inside a JSON string: quotes, backslashes,
  // newlines and non-ASCII must survive the trip.
  e.text = R"({"type":"offer","sdp":"v=0\r\n","note":"caf\u00e9 \"q\" \\"})";
  e.at = 1'732'000'000'123;
  e.hops = 1;
  return e;
}

nlohmann::json sample_json() { return nlohmann::json::parse(tessera::to_json(sample())); }

}  // namespace

BOOST_AUTO_TEST_SUITE(signaling_envelope)

BOOST_AUTO_TEST_CASE(round_trip_keeps_every_field) {
  auto e = sample();
  auto back = tessera::envelope_from_json(tessera::to_json(e));
  BOOST_TEST_REQUIRE(back.has_value());
  BOOST_TEST(back->to == e.to);
  BOOST_TEST(back->from == e.from);
  BOOST_TEST(back->type == e.type);
  BOOST_TEST(back->text == e.text);
  BOOST_TEST(back->at == e.at);
  BOOST_TEST(back->hops == e.hops);
}

BOOST_AUTO_TEST_CASE(server_frames_have_an_empty_from) {
  auto e = sample();
  e.from = "";
  e.hops = 0;
  auto back = tessera::envelope_from_json(tessera::to_json(e));
  BOOST_TEST_REQUIRE(back.has_value());
  BOOST_TEST(back->from == "");
  BOOST_TEST(back->hops == 0);
}

BOOST_AUTO_TEST_CASE(to_json_is_one_object_with_the_six_fields) {
  auto j = sample_json();
  BOOST_TEST(j.is_object());
  BOOST_TEST(j.size() == 6u);
  BOOST_TEST(j["text"].is_string());  // the frame stays text, byte for byte
  BOOST_TEST(j["at"].is_number_integer());
}

BOOST_AUTO_TEST_CASE(rejects_what_is_not_an_object) {
  for (const char* text : {"", "not json", "[]", "42", "\"x\"", "null", "{\"to\":", "{} trailing"})
    BOOST_TEST(!tessera::envelope_from_json(text).has_value(), text);
}

BOOST_AUTO_TEST_CASE(rejects_a_missing_field) {
  for (const char* field : {"to", "from", "type", "text", "at", "hops"}) {
    auto j = sample_json();
    j.erase(field);
    BOOST_TEST(!tessera::envelope_from_json(j.dump()).has_value(), field);
  }
}

BOOST_AUTO_TEST_CASE(rejects_a_field_of_the_wrong_type) {
  const std::pair<const char*, nlohmann::json> wrong[] = {
      {"to", 1},           {"from", nullptr},    {"type", nlohmann::json::array()},
      {"text", {{"a", 1}}}, {"at", "1732000000"}, {"hops", "1"},
  };
  for (const auto& [field, value] : wrong) {
    auto j = sample_json();
    j[field] = value;
    BOOST_TEST(!tessera::envelope_from_json(j.dump()).has_value(), field);
  }
}

BOOST_AUTO_TEST_CASE(rejects_numbers_out_of_range) {
  // Found by tests/fuzz/signal_frame: converting these was undefined, and a
  // hops of 2^32 wrapped to 0 (forwardable again).
  const std::pair<const char*, nlohmann::json> wrong[] = {
      {"at", 1e300}, {"at", 1.5}, {"hops", 4294967296LL}, {"hops", -1}, {"hops", 2.0},
  };
  for (const auto& [field, value] : wrong) {
    auto j = sample_json();
    j[field] = value;
    BOOST_TEST(!tessera::envelope_from_json(j.dump()).has_value(), field << "=" << value.dump());
  }
}

BOOST_AUTO_TEST_SUITE_END()
