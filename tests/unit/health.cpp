// The health verdict: busy is not dead.
#include "protocol/health.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

using tessera::health::summarize;

BOOST_AUTO_TEST_SUITE(health)

BOOST_AUTO_TEST_CASE(all_ok_is_ok_with_the_online_count) {
  auto v = summarize({{"database", "ok"}, {"registry", "ok"}}, 3);
  BOOST_TEST(v.http_status == 200);
  auto doc = nlohmann::json::parse(v.body);
  BOOST_TEST(doc["status"] == "ok");
  BOOST_TEST(doc["components"]["registry"] == "ok");
  BOOST_TEST(doc["agents_online"] == 3);
}

BOOST_AUTO_TEST_CASE(a_slow_component_is_degraded_not_unavailable) {
  auto v = summarize({{"database", "ok"}, {"registry", "slow"}}, std::nullopt);
  BOOST_TEST(v.http_status == 200);
  auto doc = nlohmann::json::parse(v.body);
  BOOST_TEST(doc["status"] == "degraded");
  BOOST_TEST(doc["components"]["registry"] == "slow");
  BOOST_TEST(!doc.contains("agents_online"));
}

BOOST_AUTO_TEST_CASE(a_down_component_is_503) {
  auto v = summarize({{"database", "down"}, {"registry", "slow"}, {"signaling", "degraded"}}, 0);
  BOOST_TEST(v.http_status == 503);
  BOOST_TEST(nlohmann::json::parse(v.body)["status"] == "degraded");
}

BOOST_AUTO_TEST_CASE(worst_orders_down_over_slow_over_ok) {
  using tessera::health::worst;
  BOOST_TEST(worst("ok", "slow") == "slow");
  BOOST_TEST(worst("down", "slow") == "down");
  BOOST_TEST(worst("degraded", "ok") == "degraded");
  BOOST_TEST(worst("ok", "ok") == "ok");
}

BOOST_AUTO_TEST_SUITE_END()
