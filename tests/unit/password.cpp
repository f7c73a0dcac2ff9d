#include "protocol/password.hpp"

#include <boost/test/unit_test.hpp>

#include <set>
#include <thread>
#include <vector>

namespace {

namespace pw = tessera::password;

// Far cheaper than the defaults, so the suite stays fast; the format and the
// checks are the same.
const pw::cost cheap{1, 8192 * 1024};

bool weak_because(std::string_view password, std::string_view email, std::string_view why) {
  auto w = pw::weakness(password, email);
  return w && w->find(why) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(password)

BOOST_AUTO_TEST_CASE(a_hash_is_argon2id_and_verifies_only_its_password) {
  auto stored = pw::hash("correct horse battery", cheap);
  BOOST_TEST(stored.starts_with("$argon2id$v=19$m=8192,t=1,p=1$"));
  BOOST_TEST(pw::verify("correct horse battery", stored));
  BOOST_TEST(!pw::verify("correct horse batterY", stored));
  BOOST_TEST(!pw::verify("correct horse battery ", stored));
  BOOST_TEST(!pw::verify("", stored));
}

BOOST_AUTO_TEST_CASE(each_hash_has_its_own_salt) {
  auto a = pw::hash("correct horse battery", cheap);
  auto b = pw::hash("correct horse battery", cheap);
  BOOST_TEST(a != b);
  BOOST_TEST(pw::verify("correct horse battery", b));
}

BOOST_AUTO_TEST_CASE(the_default_cost_is_libsodium_interactive) {
  auto stored = pw::hash("correct horse battery", pw::cost{});
  BOOST_TEST(stored.starts_with("$argon2id$v=19$m=65536,t=2,p=1$"));
  BOOST_TEST(pw::verify("correct horse battery", stored));
  BOOST_TEST(!pw::verify("correct horse batter", stored));
}

// Strings produced by other Argon2id implementations (published as libsodium
// compatibility vectors by Nota.Cryptography.Argon2).
BOOST_AUTO_TEST_CASE(argon2id_strings_from_elsewhere_verify) {
  const std::string lol =
      "$argon2id$v=19$m=32768,t=4,p=1$hpzXc4WKvufO8pLbVp5SAQ$9PnUVB2tJVKyPTKDUkq+vqKxvK7QEkR0K8zDnu62hSI";
  BOOST_TEST(pw::verify("lol", lol));
  BOOST_TEST(!pw::verify("lol!", lol));
  const std::string alphabet =
      "$argon2id$v=19$m=32768,t=4,p=1$H4Wf53/lD567l1TbH/74TQ$XaIlqaqEWIZgPqfWVz2lFSFlxiHIwAWM6+6y9fha59U";
  BOOST_TEST(pw::verify("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", alphabet));
}

BOOST_AUTO_TEST_CASE(a_malformed_stored_hash_never_verifies) {
  auto stored = pw::hash("correct horse battery", cheap);
  for (const std::string& bad : {std::string(), std::string("correct horse battery"),
                                 std::string("$argon2id$"), stored.substr(0, stored.size() - 5),
                                 stored.substr(0, stored.rfind('$'))}) {
    BOOST_TEST(!pw::verify("correct horse battery", bad));
  }
}

BOOST_AUTO_TEST_CASE(a_password_over_the_maximum_never_verifies) {
  std::string long_pw(pw::max_length + 1, 'x');
  BOOST_TEST(!pw::verify(long_pw, pw::hash(long_pw, cheap)));
  std::string longest(pw::max_length, 'x');
  BOOST_TEST(pw::verify(longest, pw::hash(longest, cheap)));
}

BOOST_AUTO_TEST_CASE(the_decoy_is_computed_once_per_cost) {
  const auto& first = pw::decoy_hash(cheap);
  BOOST_TEST(&first == &pw::decoy_hash(cheap));
  BOOST_TEST(first.starts_with("$argon2id$v=19$m=8192,t=1,p=1$"));
  BOOST_TEST(!pw::verify("", first));
  BOOST_TEST(!pw::verify("correct horse battery", first));
  const auto& other = pw::decoy_hash(pw::cost{2, 8192 * 1024});
  BOOST_TEST(&other != &first);
  BOOST_TEST(other.starts_with("$argon2id$v=19$m=8192,t=2,p=1$"));
}

BOOST_AUTO_TEST_CASE(threads_racing_for_the_decoy_share_one) {
  const pw::cost fresh{3, 8192 * 1024};  // not used by any other test
  std::vector<const std::string*> seen(8);
  std::vector<std::thread> threads;
  for (auto& s : seen) threads.emplace_back([&s, &fresh] { s = &pw::decoy_hash(fresh); });
  for (auto& t : threads) t.join();
  BOOST_TEST(std::set<const std::string*>(seen.begin(), seen.end()).size() == 1u);
  BOOST_TEST(seen[0]->starts_with("$argon2id$v=19$m=8192,t=3,p=1$"));
}

BOOST_AUTO_TEST_CASE(a_good_password_has_no_weakness) {
  BOOST_TEST(!pw::weakness("correct horse battery", "alice@example.com"));
  BOOST_TEST(!pw::weakness("Tr0ub4dor&3x", "alice@example.com"));
}

// Length counts code points: a 10-letter Greek word (20 bytes) is long
// enough, a 5-letter one (10 bytes) is not.
BOOST_AUTO_TEST_CASE(length_is_counted_in_characters) {
  BOOST_TEST(weak_because("Tr0ub4dor", "", "at least 10 characters"));
  BOOST_TEST(!pw::weakness("Tr0ub4dor&", ""));
  BOOST_TEST(!pw::weakness("αβγδεζηθικ", ""));
  BOOST_TEST(weak_because("αβγδε", "", "at least 10 characters"));
  BOOST_TEST(weak_because("", "", "at least 10 characters"));
}

BOOST_AUTO_TEST_CASE(length_is_bounded_in_bytes) {
  BOOST_TEST(!pw::weakness(std::string(pw::max_length, 'q'), ""));
  BOOST_TEST(weak_because(std::string(pw::max_length + 1, 'q'), "", "at most 256 bytes"));
  // 129 two-byte letters: 129 characters but 258 bytes.
  std::string greek;
  for (int i = 0; i < 129; ++i) greek += "λ";
  BOOST_TEST(weak_because(greek, "", "at most 256 bytes"));
}

BOOST_AUTO_TEST_CASE(common_passwords_are_refused_in_any_case) {
  for (auto common : {"1234567890", "qwertyuiop", "password123", "iloveyou12", "Password123",
                      "QWERTYUIOP", "1q2w3e4r5t", "Administrator"}) {
    BOOST_TEST_CONTEXT(common) { BOOST_TEST(weak_because(common, "", "too common")); }
  }
  BOOST_TEST(!pw::weakness("password123456789", ""));  // not on the list
}

BOOST_AUTO_TEST_CASE(the_email_local_part_is_refused) {
  BOOST_TEST(weak_because("xxAlice.Smith99", "alice.smith@example.com", "must not contain the email"));
  BOOST_TEST(weak_because("alice.smith@example.com", "alice.smith@example.com", "email"));
  BOOST_TEST(weak_because("my-dave-password", "dave@example.com", "email"));
  // The domain is not the local part.
  BOOST_TEST(!pw::weakness("example.com-rocks", "dave@example.com"));
  // Local parts under 4 characters occur in good passwords by chance.
  BOOST_TEST(!pw::weakness("bobsled runner", "bob@example.com"));
}

BOOST_AUTO_TEST_SUITE_END()
