#include "protocol/verify_challenge.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "protocol/agent_id.hpp"
#include "protocol/crypto.hpp"
#include "protocol/encoding.hpp"

using namespace tessera;
namespace vc = tessera::verify_challenge;

namespace {

struct test_agent {
  crypto::key_pair key = crypto::generate_key_pair();
  std::string id = agent_id::from_public_key(key.public_key);
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string answer_with(const std::string& challenge, const std::string& signature) {
  return nlohmann::json{{"challenge", challenge}, {"signature", signature}}.dump();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(verify_challenge)

BOOST_AUTO_TEST_CASE(the_message_binds_agent_and_nonce) {
  BOOST_TEST(vc::message("z6MkAgent", "n0nce") == "tessera-verify-v1:z6MkAgent:n0nce");
}

BOOST_AUTO_TEST_CASE(nonces_are_fresh_and_url_safe) {
  auto a = vc::make_nonce();
  auto b = vc::make_nonce();
  BOOST_TEST(a != b);
  BOOST_TEST(a.size() == 43u);
  BOOST_TEST(encoding::base64url_decode(a).value().size() == vc::nonce_bytes);
  for (char c : a)
    BOOST_TEST((std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'), a);
}

BOOST_AUTO_TEST_CASE(the_endpoint_is_under_the_card_url) {
  BOOST_TEST(vc::endpoint_of("https://a.example").value() ==
             "https://a.example/.well-known/tessera-verify");
  BOOST_TEST(vc::endpoint_of("https://a.example/agents/x//").value() ==
             "https://a.example/agents/x/.well-known/tessera-verify");
  BOOST_TEST(!vc::endpoint_of("https://a.example/?x=1"));
  BOOST_TEST(!vc::endpoint_of("https://a.example/#top"));
  BOOST_TEST(vc::request_url("http://h/.well-known/tessera-verify", "abc") ==
             "http://h/.well-known/tessera-verify?challenge=abc");
}

BOOST_AUTO_TEST_CASE(a_signed_answer_checks_out) {
  test_agent a;
  auto nonce = vc::make_nonce();
  BOOST_TEST(vc::check_answer(vc::answer(a.id, nonce, a.key.secret_key), a.id, nonce) == "");
  // Other members are ignored.
  auto doc = nlohmann::json::parse(vc::answer(a.id, nonce, a.key.secret_key));
  doc["note"] = "hello";
  BOOST_TEST(vc::check_answer(doc.dump(), a.id, nonce) == "");
}

BOOST_AUTO_TEST_CASE(not_json_or_not_an_object_is_refused) {
  test_agent a;
  auto why = vc::check_answer("<html>hi</html>", a.id, "n");
  BOOST_TEST(contains(why, "malformed JSON"), why);
  why = vc::check_answer("[1,2]", a.id, "n");
  BOOST_TEST(contains(why, "not a JSON object"), why);
  why = vc::check_answer(R"({"challenge":"n","challenge":"m","signature":"x"})", a.id, "n");
  BOOST_TEST(contains(why, "duplicate key"), why);
}

BOOST_AUTO_TEST_CASE(missing_wrong_typed_and_oversized_fields_are_refused) {
  test_agent a;
  auto why = vc::check_answer(R"({"signature":"x"})", a.id, "n");
  BOOST_TEST(contains(why, "no \"challenge\""), why);
  why = vc::check_answer(R"({"challenge":"n"})", a.id, "n");
  BOOST_TEST(contains(why, "no \"signature\""), why);
  why = vc::check_answer(R"({"challenge":7,"signature":"x"})", a.id, "n");
  BOOST_TEST(contains(why, "\"challenge\" is not a string"), why);
  why = vc::check_answer(answer_with("n", std::string(129, 'A')), a.id, "n");
  BOOST_TEST(contains(why, "\"signature\" is longer than 128"), why);
  why = vc::check_answer(answer_with(std::string(129, 'n'), "x"), a.id, "n");
  BOOST_TEST(contains(why, "\"challenge\" is longer than 128"), why);
}

BOOST_AUTO_TEST_CASE(an_answer_to_another_challenge_is_refused) {
  test_agent a;
  auto sent = vc::make_nonce();
  auto other = vc::make_nonce();
  auto why = vc::check_answer(vc::answer(a.id, other, a.key.secret_key), a.id, sent);
  BOOST_TEST(contains(why, "another challenge"), why);
}

BOOST_AUTO_TEST_CASE(bad_signatures_are_refused) {
  test_agent a, stranger;
  auto nonce = vc::make_nonce();
  // Signed by another key.
  auto why = vc::check_answer(vc::answer(a.id, nonce, stranger.key.secret_key), a.id, nonce);
  BOOST_TEST(contains(why, "does not verify"), why);
  // The right key over another message (signing the nonce alone).
  auto bare = encoding::base64url_encode(crypto::sign(a.key.secret_key, nonce));
  why = vc::check_answer(answer_with(nonce, bare), a.id, nonce);
  BOOST_TEST(contains(why, "does not verify"), why);
  // Signed for another agent id: the id is part of the message.
  auto for_stranger = vc::answer(stranger.id, nonce, a.key.secret_key);
  why = vc::check_answer(for_stranger, a.id, nonce);
  BOOST_TEST(contains(why, "does not verify"), why);
  // Not base64url, padded, or the wrong length.
  auto sig = encoding::base64url_encode(
      crypto::sign(a.key.secret_key, vc::message(a.id, nonce)));
  why = vc::check_answer(answer_with(nonce, sig + "=="), a.id, nonce);
  BOOST_TEST(contains(why, "not base64url"), why);
  why = vc::check_answer(answer_with(nonce, sig.substr(0, 40)), a.id, nonce);
  BOOST_TEST(contains(why, "not base64url"), why);
  why = vc::check_answer(answer_with(nonce, "!!!"), a.id, nonce);
  BOOST_TEST(contains(why, "not base64url"), why);
}

BOOST_AUTO_TEST_CASE(an_agent_id_without_a_key_checks_nothing) {
  test_agent a;
  auto nonce = vc::make_nonce();
  auto why = vc::check_answer(vc::answer(a.id, nonce, a.key.secret_key), "agent-1", nonce);
  BOOST_TEST(contains(why, "not an Ed25519 did:key id"), why);
}

BOOST_AUTO_TEST_SUITE_END()
