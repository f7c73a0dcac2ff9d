#include "protocol/encoding.hpp"

#include <boost/test/unit_test.hpp>

// The suite is named "encoding" too, and a suite is a namespace.
namespace enc = tessera::encoding;

BOOST_AUTO_TEST_SUITE(encoding)

// RFC 4648 §10 test vectors.
BOOST_AUTO_TEST_CASE(base64_rfc4648_vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    BOOST_TEST(enc::base64_encode(plain) == encoded);
    BOOST_TEST(enc::base64_decode(encoded).value() == plain);
  }
  BOOST_TEST(enc::hex_encode("foobar") == "666f6f626172");
}

BOOST_AUTO_TEST_CASE(base64_rejects_malformed_input) {
  BOOST_TEST(!enc::base64_decode("Zg"));     // padding missing
  BOOST_TEST(!enc::base64_decode("Zg==="));  // padding extra
  BOOST_TEST(!enc::base64_decode("Zh=="));   // non-zero trailing bits
  BOOST_TEST(!enc::base64_decode("Zm9v!"));
  BOOST_TEST(!enc::base64_decode("-_8="));   // the URL alphabet
  BOOST_TEST(!enc::base64_decode("Zg==Zg=="));
}

// libsodium 1.0.18 alone decodes any byte >= 0x80 as '/' (or '_').
BOOST_AUTO_TEST_CASE(non_ascii_bytes_are_not_digits) {
  for (const char* bad : {"ab\xff" "d", "ab\x80" "d", "ab\xbf" "d"}) {
    BOOST_TEST(!enc::base64_decode(bad));
    BOOST_TEST(!enc::base64url_decode(bad));
  }
  BOOST_TEST(enc::base64_decode("ab/d").has_value());
  BOOST_TEST(enc::base64url_decode("ab_d").has_value());
}

BOOST_AUTO_TEST_CASE(base64url_uses_the_url_alphabet_without_padding) {
  const std::string bytes = "\xfb\xff";
  BOOST_TEST(enc::base64_encode(bytes) == "+/8=");
  BOOST_TEST(enc::base64url_encode(bytes) == "-_8");
  BOOST_TEST(enc::base64url_decode("-_8").value() == bytes);
  BOOST_TEST(enc::base64url_encode("f") == "Zg");
  BOOST_TEST(enc::base64url_decode("").value().empty());
}

BOOST_AUTO_TEST_CASE(base64url_rejects_padding_invalid_chars_and_noncanonical_bits) {
  BOOST_TEST(!enc::base64url_decode("-_8="));
  BOOST_TEST(!enc::base64url_decode("Zg=="));
  BOOST_TEST(!enc::base64url_decode("+/8"));
  BOOST_TEST(!enc::base64url_decode("Zm 9v"));
  BOOST_TEST(!enc::base64url_decode("-_9"));  // last char leaves bits 01 unused
  BOOST_TEST(!enc::base64url_decode("Z"));    // one char can't hold a byte
}

BOOST_AUTO_TEST_CASE(base64url_round_trips_every_length) {
  std::string bytes;
  for (int i = 0; i < 70; ++i) {
    BOOST_TEST(enc::base64url_decode(enc::base64url_encode(bytes)).value() == bytes);
    BOOST_TEST(enc::base64_decode(enc::base64_encode(bytes)).value() == bytes);
    bytes += static_cast<char>(i * 37 + 200);
  }
}

// draft-msporny-base58-03 §5 test vectors.
BOOST_AUTO_TEST_CASE(base58btc_vectors) {
  const std::pair<std::string, const char*> vectors[] = {
      {"Hello World!", "2NEpo7TZRRrLZSi2U"},
      {"The quick brown fox jumps over the lazy dog.",
       "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z"},
      {std::string("\x00\x00\x28\x7f\xb4\xcd", 6), "11233QC4"},
      {"", ""}};
  for (const auto& [plain, encoded] : vectors) {
    BOOST_TEST(enc::base58btc_encode(plain) == encoded);
    BOOST_TEST(enc::base58btc_decode(encoded).value() == plain);
  }
}

BOOST_AUTO_TEST_CASE(base58btc_rejects_characters_outside_the_alphabet) {
  for (const char* bad : {"0", "O", "I", "l", "2NEpo7TZRRrLZSi2U+", "\xc3\xa9"})
    BOOST_TEST(!enc::base58btc_decode(bad), bad);
}

BOOST_AUTO_TEST_CASE(base58btc_round_trips_leading_zeros) {
  for (std::string bytes : {std::string(3, '\0'), std::string("\0\0\xff\x01", 4),
                            std::string(40, '\xff')})
    BOOST_TEST(enc::base58btc_decode(enc::base58btc_encode(bytes)).value() == bytes);
}

BOOST_AUTO_TEST_CASE(utf8_is_checked_strictly) {
  using tessera::encoding::valid_utf8;
  BOOST_TEST(valid_utf8(""));
  BOOST_TEST(valid_utf8("plain ascii"));
  BOOST_TEST(valid_utf8("\xC3\x89lise"));            // É
  BOOST_TEST(valid_utf8("\xE2\x82\xAC"));            // €
  BOOST_TEST(valid_utf8("\xF0\x9F\x98\x80"));        // U+1F600
  BOOST_TEST(valid_utf8("\xF4\x8F\xBF\xBF"));        // U+10FFFF, the last one
  BOOST_TEST(!valid_utf8("\xFF"));                    // never in UTF-8
  BOOST_TEST(!valid_utf8("\xC3"));                    // cut short
  BOOST_TEST(!valid_utf8("\xC3("));                   // bad continuation
  BOOST_TEST(!valid_utf8("\xC0\xAF"));                // overlong '/'
  BOOST_TEST(!valid_utf8("\xE0\x80\xAF"));            // overlong, 3 bytes
  BOOST_TEST(!valid_utf8("\xED\xA0\x80"));            // a surrogate, U+D800
  BOOST_TEST(!valid_utf8("\xF4\x90\x80\x80"));        // above U+10FFFF
  BOOST_TEST(!valid_utf8("\x80"));                    // a lone continuation byte
}

// A decoded path with %0A must not start a new line in the text log.
BOOST_AUTO_TEST_CASE(printable_escapes_what_could_forge_a_log_line) {
  using tessera::encoding::printable;
  BOOST_TEST(printable("/api/v1/x\n2026-12-06 [info] forged") ==
             "/api/v1/x\\x0a2026-12-06\\x20[info]\\x20forged");
  BOOST_TEST(printable("a\"b\\c\x7f\r") == "a\\x22b\\x5cc\\x7f\\x0d");
  BOOST_TEST(printable(std::string(600, 'p'), 512) == std::string(512, 'p') + "...");
}

BOOST_AUTO_TEST_SUITE_END()
