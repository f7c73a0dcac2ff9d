#include "protocol/jws.hpp"

#include <boost/test/unit_test.hpp>

#include "protocol/agent_id.hpp"
#include "protocol/encoding.hpp"
#include "protocol/jcs.hpp"

using nlohmann::json;
namespace crypto = tessera::crypto;
namespace encoding = tessera::encoding;

namespace {

struct fixture {
  crypto::key_pair key = crypto::generate_key_pair();
  std::string kid = tessera::agent_id::key_id(tessera::agent_id::from_public_key(key.public_key));
  json document = {{"name", "echo"}, {"version", "1.0"}, {"n", 3}};

  bool verify(const json& doc, const json& signature, std::string& why) const {
    return tessera::jws::verify_detached(doc, signature, key.public_key, kid, why);
  }

  // A well-formed signature over `doc` with any protected header, so one check at a time fails.
  json sign_with_header(const json& doc, const json& header) const {
    auto protected_b64 = encoding::base64url_encode(tessera::jcs::canonicalize(header));
    auto input = protected_b64 + "." + encoding::base64url_encode(tessera::jcs::canonicalize(doc));
    return {{"protected", protected_b64},
            {"signature", encoding::base64url_encode(crypto::sign(key.secret_key, input))}};
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(jws, fixture)

BOOST_AUTO_TEST_CASE(round_trip) {
  auto sig = tessera::jws::sign_detached(document, key, kid);
  std::string why;
  BOOST_TEST(verify(document, sig, why), why);
  // The protected header is exactly the JCS form of {"alg","kid"}.
  auto header = encoding::base64url_decode(sig["protected"].get<std::string>()).value();
  BOOST_TEST(header == R"({"alg":"EdDSA","kid":")" + kid + "\"}");
  // The signature is over the canonical form, not the member order it was built in.
  BOOST_TEST(verify(json::parse(R"({"n":3,"version":"1.0","name":"echo"})"), sig, why), why);
}

BOOST_AUTO_TEST_CASE(tampered_payload) {
  auto sig = tessera::jws::sign_detached(document, key, kid);
  auto tampered = document;
  tampered["n"] = 4;
  std::string why;
  BOOST_TEST(!verify(tampered, sig, why));
  BOOST_TEST(why == "signature does not verify");
}

BOOST_AUTO_TEST_CASE(wrong_kid) {
  auto other = tessera::agent_id::from_public_key(crypto::generate_key_pair().public_key);
  auto sig = tessera::jws::sign_detached(document, key, tessera::agent_id::key_id(other));
  std::string why;
  BOOST_TEST(!verify(document, sig, why));
  BOOST_TEST(why == "kid must be " + kid);
}

BOOST_AUTO_TEST_CASE(wrong_alg) {
  std::string why;
  BOOST_TEST(!verify(document, sign_with_header(document, {{"alg", "ES256"}, {"kid", kid}}), why));
  BOOST_TEST(why == "alg must be EdDSA");
  BOOST_TEST(!verify(document, sign_with_header(document, {{"kid", kid}}), why));
  BOOST_TEST(why == "alg must be EdDSA");
  BOOST_TEST(verify(document, sign_with_header(document, {{"alg", "EdDSA"}, {"kid", kid}}), why));
}

BOOST_AUTO_TEST_CASE(crit_is_refused) {
  json header = {{"alg", "EdDSA"}, {"kid", kid}, {"b64", false}, {"crit", {"b64"}}};
  std::string why;
  BOOST_TEST(!verify(document, sign_with_header(document, header), why));
  BOOST_TEST(why == "crit header parameters are not supported");
}

BOOST_AUTO_TEST_CASE(truncated_signature) {
  auto sig = tessera::jws::sign_detached(document, key, kid);
  auto raw = encoding::base64url_decode(sig["signature"].get<std::string>()).value();
  sig["signature"] = encoding::base64url_encode(raw.substr(0, 63));
  std::string why;
  BOOST_TEST(!verify(document, sig, why));
  BOOST_TEST(why == "signature must be 64 bytes");
}

BOOST_AUTO_TEST_CASE(malformed_entries) {
  auto good = tessera::jws::sign_detached(document, key, kid);
  std::string why;
  auto padded = good;
  padded["signature"] = good["signature"].get<std::string>() + "==";
  BOOST_TEST(!verify(document, padded, why));
  BOOST_TEST(why == "signature is not base64url");
  auto bad_header = good;
  bad_header["protected"] = encoding::base64url_encode("[1,2]");
  BOOST_TEST(!verify(document, bad_header, why));
  BOOST_TEST(why == "protected header is not a JSON object");
  bad_header["protected"] = "e30=";
  BOOST_TEST(!verify(document, bad_header, why));
  BOOST_TEST(why == "protected header is not base64url");
  for (const json& entry : {json("x"), json::object(), json{{"protected", good["protected"]}},
                            json{{"protected", 1}, {"signature", good["signature"]}}}) {
    BOOST_TEST(!verify(document, entry, why));
    BOOST_TEST(why == "must be an object with string \"protected\" and \"signature\"");
  }
}

BOOST_AUTO_TEST_CASE(other_key) {
  auto other = crypto::generate_key_pair();
  auto sig = tessera::jws::sign_detached(document, other, kid);
  std::string why;
  BOOST_TEST(!verify(document, sig, why));
  BOOST_TEST(why == "signature does not verify");
}

BOOST_AUTO_TEST_SUITE_END()
