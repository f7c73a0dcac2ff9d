#include "protocol/turn_credentials.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

namespace {

namespace sig = tessera::signal;

const std::string agent = "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";

}  // namespace

BOOST_AUTO_TEST_SUITE(turn_credentials)

// Expected values computed outside this code, when the test was written:
//   printf '%s' '1700000000:z6Mk...doK' | openssl dgst -sha1 -hmac 'north-star-secret' -binary | base64
BOOST_AUTO_TEST_CASE(credential_matches_an_independent_hmac_sha1) {
  auto c = sig::mint_turn_credential("north-star-secret", agent, 1'700'000'000);
  BOOST_TEST(c.username == "1700000000:" + agent);
  BOOST_TEST(c.credential == "/aVD47IUdDKZ2+rBociTPME/vbA=");
}

// A second vector, from the same independent computation:
//   printf '%s' '0:The quick brown fox jumps over the lazy dog' | openssl dgst -sha1 -hmac key -binary | base64
BOOST_AUTO_TEST_CASE(a_second_independent_vector) {
  auto c = sig::mint_turn_credential("key", "The quick brown fox jumps over the lazy dog", 0);
  BOOST_TEST(c.username == "0:The quick brown fox jumps over the lazy dog");
  BOOST_TEST(c.credential == "g7V9Tl3Q9gVvdv4IqoRQyhcPHY4=");
}

BOOST_AUTO_TEST_CASE(secret_expiry_and_agent_all_change_the_credential) {
  auto base = sig::mint_turn_credential("s", agent, 100).credential;
  BOOST_TEST(sig::mint_turn_credential("t", agent, 100).credential != base);
  BOOST_TEST(sig::mint_turn_credential("s", agent, 101).credential != base);
  BOOST_TEST(sig::mint_turn_credential("s", agent + "x", 100).credential != base);
  BOOST_TEST(sig::mint_turn_credential("s", agent, 100).credential == base);
}

BOOST_AUTO_TEST_CASE(stun_urls_get_no_credentials_turn_urls_share_one) {
  std::vector<std::string> urls = {"stun:stun.example.org:3478", "turn:turn.example.org:3478",
                                   "turns:turn.example.org:5349?transport=tcp",
                                   "stun:stun2.example.org"};
  auto servers = sig::ice_servers(urls, "north-star-secret", agent, 1'699'996'400, 3600);
  BOOST_TEST_REQUIRE(servers.is_array());
  BOOST_TEST_REQUIRE(servers.size() == 2u);

  const auto& stun = servers[0];
  BOOST_TEST(stun["urls"] == (nlohmann::json{"stun:stun.example.org:3478", "stun:stun2.example.org"}));
  BOOST_TEST(!stun.contains("username"));
  BOOST_TEST(!stun.contains("credential"));

  const auto& turn = servers[1];
  BOOST_TEST(turn["urls"] == (nlohmann::json{"turn:turn.example.org:3478",
                                             "turns:turn.example.org:5349?transport=tcp"}));
  // Valid ttl seconds from now: the same vector as above.
  BOOST_TEST(turn["username"] == "1700000000:" + agent);
  BOOST_TEST(turn["credential"] == "/aVD47IUdDKZ2+rBociTPME/vbA=");
}

BOOST_AUTO_TEST_CASE(without_a_secret_turn_urls_go_out_bare) {
  auto servers = sig::ice_servers({"turn:turn.example.org"}, "", agent, 0, 3600);
  BOOST_TEST_REQUIRE(servers.size() == 1u);
  BOOST_TEST(servers[0]["urls"] == (nlohmann::json{"turn:turn.example.org"}));
  BOOST_TEST(!servers[0].contains("username"));
  BOOST_TEST(!servers[0].contains("credential"));
}

BOOST_AUTO_TEST_CASE(only_stun_urls_give_one_entry) {
  auto servers = sig::ice_servers({"stun:a.example.org"}, "secret", agent, 0, 3600);
  BOOST_TEST_REQUIRE(servers.size() == 1u);
  BOOST_TEST(!servers[0].contains("username"));
}

BOOST_AUTO_TEST_CASE(no_urls_give_an_empty_array) {
  auto servers = sig::ice_servers({}, "secret", agent, 0, 3600);
  BOOST_TEST(servers.is_array());
  BOOST_TEST(servers.empty());
}

BOOST_AUTO_TEST_SUITE_END()
