// The audit log's hash chain: a fixed entry has a fixed hash (computed
// independently with Python's hashlib over the same canonical JSON), every
// covered field changes it, and a JSON line verifies by itself.
#include "protocol/audit_chain.hpp"

#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "protocol/crypto.hpp"
#include "protocol/encoding.hpp"
#include "protocol/jcs.hpp"

using namespace tessera;

namespace {

audit_entry fixed_entry() {
  audit_entry e;
  e.seq = 17;
  e.at = 1'700'000'000'123;
  e.action = "login_failed";
  e.actor = "";
  e.target = "usr_abc";
  e.remote = "203.0.113.7";
  // Members out of order and with spaces: the hash covers the canonical form.
  e.detail = R"({ "reason": "bad_password", "attempts": 3, "email_domain": "example.org" })";
  e.prev_hash = std::string(64, '0');
  return e;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(audit_chain)

// python3: json.dumps({...}, sort_keys=True, separators=(",", ":")) then
// hashlib.sha256(...).hexdigest(), over
// {"action":"login_failed","actor":"","at":1700000000123,"detail":{"attempts":3,
//  "email_domain":"example.org","reason":"bad_password"},"prev_hash":"00...00",
//  "remote":"203.0.113.7","target":"usr_abc"}
BOOST_AUTO_TEST_CASE(a_fixed_entry_has_a_fixed_hash) {
  BOOST_TEST(link_hash(fixed_entry()) ==
             "8e4101c621ceb0d7722ca43cdbda1db6c8d6c497c2afe99638b5f49b99ae539e");
}

BOOST_AUTO_TEST_CASE(every_covered_field_changes_the_hash) {
  auto base = link_hash(fixed_entry());
  auto changed = [&](auto edit) {
    auto e = fixed_entry();
    edit(e);
    return link_hash(e) != base;
  };
  BOOST_TEST(changed([](audit_entry& e) { e.at += 1; }));
  BOOST_TEST(changed([](audit_entry& e) { e.action = "login_succeeded"; }));
  BOOST_TEST(changed([](audit_entry& e) { e.actor = "usr_x"; }));
  BOOST_TEST(changed([](audit_entry& e) { e.target = "usr_abd"; }));
  BOOST_TEST(changed([](audit_entry& e) { e.remote = "203.0.113.8"; }));
  BOOST_TEST(changed([](audit_entry& e) { e.detail = R"({"reason":"bad_password"})"; }));
  BOOST_TEST(changed([](audit_entry& e) { e.prev_hash = std::string(63, '0') + "1"; }));
  // Moving text between fields changes it too (members are named, not joined).
  BOOST_TEST(changed([](audit_entry& e) {
    e.actor = "usr_abc";
    e.target = "";
  }));
}

BOOST_AUTO_TEST_CASE(seq_and_hash_are_not_covered) {
  auto base = link_hash(fixed_entry());
  auto e = fixed_entry();
  e.seq = 99;
  e.hash = "anything";
  BOOST_TEST(link_hash(e) == base);
}

BOOST_AUTO_TEST_CASE(a_detail_that_is_not_an_object_is_hashed_as_text) {
  auto e = fixed_entry();
  e.detail = "not json";
  auto as_text = link_hash(e);
  e.detail = "[1,2]";
  auto array_text = link_hash(e);
  BOOST_TEST(as_text != array_text);
  BOOST_TEST(as_text != link_hash(fixed_entry()));
}

BOOST_AUTO_TEST_CASE(a_json_line_verifies_by_itself) {
  auto e = fixed_entry();
  e.hash = link_hash(e);
  auto line = to_json_line(e);
  BOOST_TEST(line.find('\n') == std::string::npos);
  auto parsed = nlohmann::json::parse(line);
  BOOST_TEST(parsed["hash"].get<std::string>() == e.hash);
  BOOST_TEST(parsed["at"].get<int64_t>() == e.at);
  BOOST_TEST(parsed["detail"]["attempts"].get<int>() == 3);
  parsed.erase("hash");
  auto recomputed = encoding::hex_encode(crypto::sha256(jcs::canonicalize(parsed)));
  BOOST_TEST(recomputed == e.hash);
}

BOOST_AUTO_TEST_CASE(text_fields_with_newlines_stay_on_one_line) {
  auto e = fixed_entry();
  e.remote = "a\nb";
  e.detail = R"({"note":"x\ny"})";
  BOOST_TEST(to_json_line(e).find('\n') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(invalid_utf8_and_nul_become_replacement_characters) {
  auto e = fixed_entry();
  e.actor = "bad\xff\xfe";
  e.target = std::string("nul\0here", 8);
  e.detail = "{\"email\":\"x\xc3\"}";
  BOOST_CHECK_THROW(link_hash(e), std::invalid_argument);
  auto clean = with_valid_utf8(e);
  BOOST_TEST(clean.actor == "bad\xef\xbf\xbd\xef\xbf\xbd");
  BOOST_TEST(clean.target == "nul\xef\xbf\xbdhere");
  BOOST_TEST(nlohmann::json::parse(clean.detail).is_object());
  BOOST_TEST(clean.action == e.action);
  BOOST_TEST(clean.remote == e.remote);
  BOOST_TEST(link_hash(clean).size() == 64);
}

BOOST_AUTO_TEST_SUITE_END()
