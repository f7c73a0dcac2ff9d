// The published reputation model reads back into exactly the params it was
// made from, so a replay with it equals the server's scores bit for bit.
#include <boost/test/unit_test.hpp>

#include <bit>

#include "protocol/reputation_model.hpp"

namespace rep = tessera::reputation;

namespace {

void check_same(const rep::reputation_params& a, const rep::reputation_params& b) {
  auto bits = [](double x) { return std::bit_cast<uint64_t>(x); };
  BOOST_TEST(bits(a.alpha) == bits(b.alpha));
  BOOST_TEST(bits(a.prior) == bits(b.prior));
  BOOST_TEST(a.half_life_ms == b.half_life_ms);
  BOOST_TEST(a.heartbeat_credit_interval_ms == b.heartbeat_credit_interval_ms);
  BOOST_TEST(bits(a.high_tier_min) == bits(b.high_tier_min));
  BOOST_TEST(bits(a.low_tier_below) == bits(b.low_tier_below));
  BOOST_TEST(bits(a.trusted_min_score) == bits(b.trusted_min_score));
  BOOST_TEST(a.trusted_min_events == b.trusted_min_events);
  for (auto kind : rep::all_event_kinds) {
    BOOST_TEST(bits(a.of(kind).value) == bits(b.of(kind).value), rep::to_string(kind));
    BOOST_TEST(bits(a.of(kind).weight) == bits(b.of(kind).weight), rep::to_string(kind));
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(reputation_model)

BOOST_AUTO_TEST_CASE(the_model_reads_back_into_the_same_params) {
  rep::reputation_params p;
  check_same(*[&] {
    std::string err;
    return rep::params_from_model(nlohmann::json::parse(rep::model_json(p).dump()), err);
  }(), p);
  // Values that don't print short survive the text form too.
  p.alpha = 0.1 + 0.2;
  p.half_life_ms = 3'600'001;
  p.trusted_min_events = 3;
  p.events[static_cast<size_t>(rep::event_kind::call_error)].weight = 1.0 / 3.0;
  std::string err;
  auto back = rep::params_from_model(nlohmann::json::parse(rep::model_json(p).dump()), err);
  BOOST_TEST_REQUIRE(back.has_value(), err);
  check_same(*back, p);
}

BOOST_AUTO_TEST_CASE(the_model_lists_every_event_kind_with_its_value_and_weight) {
  auto model = rep::model_json(rep::reputation_params{});
  BOOST_TEST(model["events"].size() == rep::event_kind_count);
  BOOST_TEST(model["events"]["verification_passed"]["weight"] == 3);
  BOOST_TEST(model["events"]["call_error"]["value"] == 0);
  BOOST_TEST(model["trusted"]["min_score"] == 0.8);
}

BOOST_AUTO_TEST_CASE(a_broken_model_names_the_field) {
  auto model = nlohmann::json::parse(rep::model_json(rep::reputation_params{}).dump());
  std::string err;
  auto missing = model;
  missing["events"].erase("review_negative");
  BOOST_TEST(!rep::params_from_model(missing, err).has_value());
  BOOST_TEST(err == "events/review_negative/value: missing or not a number");
  auto wrong = model;
  wrong["half_life_ms"] = 1.5;
  BOOST_TEST(!rep::params_from_model(wrong, err).has_value());
  BOOST_TEST(err == "half_life_ms: not an integer");
  wrong["half_life_ms"] = 0;
  BOOST_TEST(!rep::params_from_model(wrong, err).has_value());
  BOOST_TEST(err == "half_life_ms: must be positive");
  BOOST_TEST(!rep::params_from_model(nlohmann::json::array(), err).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
