#include "protocol/secret_token.hpp"

#include <boost/test/unit_test.hpp>

#include <cctype>
#include <set>

namespace {

namespace st = tessera::secret_token;

bool all_base62(std::string_view text) {
  for (char c : text)
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(secret_token)

BOOST_AUTO_TEST_CASE(base62_widths_hold_any_value) {
  BOOST_TEST(st::base62_length(0) == 0u);
  BOOST_TEST(st::base62_length(1) == 2u);   // 255 needs two digits
  BOOST_TEST(st::base62_length(12) == 17u);
  BOOST_TEST(st::base62_length(32) == 43u);  // 62^43 > 2^256 > 62^42
}

// "Hello World!" is the usual base62 vector (base-x and others give
// T8dgcjRGkZ3aysdN); ours is left-padded to the fixed width of 12 bytes.
BOOST_AUTO_TEST_CASE(base62_known_vectors) {
  BOOST_TEST(st::base62_encode("") == "");
  BOOST_TEST(st::base62_encode(std::string(1, '\0')) == "00");
  BOOST_TEST(st::base62_encode("\xff") == "47");            // 4 * 62 + 7
  BOOST_TEST(st::base62_encode(std::string("\x01\x00", 2)) == "048");  // 256 = 4 * 62 + 8
  BOOST_TEST(st::base62_encode("Hello World!") == "0T8dgcjRGkZ3aysdN");
  BOOST_TEST(st::base62_encode(std::string(32, '\xff')) ==
             "yhjskwdA6OZ1AL1YmHWZWm8LLG7HjnuCA2j5rOw8Xp1");
  BOOST_TEST(st::base62_encode(std::string(31, '\0') + '\x01') == std::string(42, '0') + "1");
  BOOST_TEST(st::base62_encode(std::string(32, '\0')) == std::string(43, '0'));
}

BOOST_AUTO_TEST_CASE(secrets_have_one_length_and_are_unique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto key = st::generate(st::api_key_prefix);
    BOOST_TEST_REQUIRE(key.size() == 4u + 43u);
    BOOST_TEST(key.starts_with("tsk_"));
    BOOST_TEST(all_base62(key.substr(4)));
    BOOST_TEST(st::well_formed(key, st::api_key_prefix));
    seen.insert(key);
  }
  BOOST_TEST(seen.size() == 1000u);
}

BOOST_AUTO_TEST_CASE(ids_are_shorter_and_unique) {
  auto a = st::generate_id("usr_");
  auto b = st::generate_id("usr_");
  BOOST_TEST(a.size() == 4u + 17u);
  BOOST_TEST(a.starts_with("usr_"));
  BOOST_TEST(all_base62(a.substr(4)));
  BOOST_TEST(a != b);
  BOOST_TEST(!st::well_formed(a, "usr_"));  // an id is not a secret
}

BOOST_AUTO_TEST_CASE(the_hash_is_lower_hex_sha256) {
  BOOST_TEST(st::hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(st::hash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  auto key = st::generate(st::refresh_prefix);
  BOOST_TEST(st::hash(key).size() == 64u);
  BOOST_TEST(st::hash(key) != st::hash(st::generate(st::refresh_prefix)));
}

BOOST_AUTO_TEST_CASE(well_formed_checks_prefix_length_and_alphabet) {
  auto key = st::generate(st::claim_prefix);
  BOOST_TEST(st::well_formed(key, st::claim_prefix));
  BOOST_TEST(!st::well_formed(key, st::api_key_prefix));
  BOOST_TEST(!st::well_formed(key, st::refresh_prefix));
  BOOST_TEST(!st::well_formed(key.substr(0, key.size() - 1), st::claim_prefix));
  BOOST_TEST(!st::well_formed(key + "0", st::claim_prefix));
  for (char bad : {'-', '_', '+', '/', '=', ' ', '\0'}) {
    auto changed = key;
    changed[10] = bad;
    BOOST_TEST(!st::well_formed(changed, st::claim_prefix));
  }
  BOOST_TEST(!st::well_formed("", st::claim_prefix));
  BOOST_TEST(!st::well_formed("tsc_", st::claim_prefix));
  BOOST_TEST(!st::well_formed("TSC_" + key.substr(4), st::claim_prefix));
  BOOST_TEST(st::well_formed("tsc_" + std::string(43, 'z'), st::claim_prefix));
}

BOOST_AUTO_TEST_CASE(issuing_keeps_only_the_hash_of_the_secret) {
  tessera::credential c;
  c.kind = "api_key";
  auto secret = tessera::secret_token::issue(c, "tsk_", "key_", 1234);
  BOOST_TEST(tessera::secret_token::well_formed(secret, "tsk_"));
  BOOST_TEST(c.hash == tessera::secret_token::hash(secret));
  BOOST_TEST(c.hash.find(secret) == std::string::npos);
  BOOST_TEST(tessera::secret_token::well_formed_id(c.id, "key_"));
  BOOST_TEST(c.created_at == 1234);
  BOOST_TEST(c.kind == "api_key");  // what the caller set stays
}

BOOST_AUTO_TEST_SUITE_END()
