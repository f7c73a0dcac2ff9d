#include "protocol/http_signature.hpp"

#include <boost/test/unit_test.hpp>

#include "protocol/agent_id.hpp"
#include "protocol/encoding.hpp"

using tessera::problem;
namespace crypto = tessera::crypto;
namespace encoding = tessera::encoding;
namespace hs = tessera::http_signature;

namespace {

constexpr int64_t now = 1700000000;
constexpr int64_t skew = 300;

std::string replace(std::string s, std::string_view from, std::string_view to) {
  auto at = s.find(from);
  BOOST_TEST_REQUIRE(at != std::string::npos, std::string(from));
  return s.replace(at, from.size(), to);
}

struct fixture {
  crypto::key_pair key = crypto::generate_key_pair();
  std::string id = tessera::agent_id::from_public_key(key.public_key);
  std::string method = "POST";
  std::string path = "/v1/agents/x%20y";
  std::string query = "limit=10&page_token=a";
  std::string body = R"({"name":"echo"})";
  hs::signed_headers headers;

  void sign(int64_t created = now) {
    headers = hs::sign(method, path, query, body, key, id, created, "nonce-1");
  }

  hs::request_view view() const {
    return {method, path, query, body, headers.signature_input, headers.signature,
            headers.content_digest};
  }

  // What a client that signs other components or parameters would send.
  void sign_raw(const std::vector<hs::component>& components, const std::string& params) {
    auto sig = crypto::sign(key.secret_key, hs::signature_base(components, params));
    headers.signature_input = "sig1=" + params;
    headers.signature = "sig1=:" + encoding::base64_encode(sig) + ":";
    headers.content_digest = body.empty() ? "" : hs::content_digest(body);
  }

  std::string params(const std::string& components) const {
    return params_without_alg(components) + ";alg=\"ed25519\"";
  }

  std::string params_without_alg(const std::string& components) const {
    return components + ";created=" + std::to_string(now) + ";nonce=\"n\";keyid=\"" + id + "\"";
  }

  std::vector<hs::component> standard_components() const {
    return {{"@method", method},
            {"@path", path},
            {"@query", "?" + query},
            {"content-digest", hs::content_digest(body)}};
  }

  // Verifies and returns the error message ("" on success), checking the code.
  std::string error(tessera::ec expected = tessera::ec::invalid_signature,
                    int64_t at = now) const {
    problem err;
    auto result = hs::verify(view(), at, skew, err);
    if (result) return "";
    BOOST_TEST(to_string(err.code) == std::string(to_string(expected)));
    return err.message;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(http_signature, fixture)

// RFC 9421 Appendix B.2.6 (signature base and signature) with the Appendix B.1.4
// test-key-ed25519 (JWK "d" = seed, "x" = public key).
BOOST_AUTO_TEST_CASE(rfc9421_b26_ed25519_vector) {
  std::vector<hs::component> components = {{"date", "Tue, 20 Apr 2021 02:07:55 GMT"},
                                           {"@method", "POST"},
                                           {"@path", "/foo"},
                                           {"@authority", "example.com"},
                                           {"content-type", "application/json"},
                                           {"content-length", "18"}};
  auto base = hs::signature_base(
      components,
      R"(("date" "@method" "@path" "@authority" "content-type" "content-length"))"
      R"(;created=1618884473;keyid="test-key-ed25519")");
  BOOST_TEST(base ==
             "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n"
             "\"@method\": POST\n"
             "\"@path\": /foo\n"
             "\"@authority\": example.com\n"
             "\"content-type\": application/json\n"
             "\"content-length\": 18\n"
             "\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@authority\" "
             "\"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-ed25519\"");
  auto public_key = encoding::base64url_decode("JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs");
  auto seed = encoding::base64url_decode("n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU");
  auto signature = encoding::base64_decode(
      "wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==");
  BOOST_TEST_REQUIRE((public_key && seed && signature));
  BOOST_TEST(crypto::verify(*public_key, base, *signature));
  auto kp = crypto::key_pair_from_seed(*seed);
  BOOST_TEST(kp.public_key == *public_key);
  BOOST_TEST(crypto::sign(kp.secret_key, base) == *signature);  // Ed25519 is deterministic
  BOOST_TEST(!crypto::verify(*public_key, base + " ", *signature));
}

// RFC 9530 Appendix B: the content {"hello": "world"} followed by a line feed.
BOOST_AUTO_TEST_CASE(rfc9530_content_digest) {
  BOOST_TEST(hs::content_digest("{\"hello\": \"world\"}\n") ==
             "sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:");
}

BOOST_AUTO_TEST_CASE(round_trip_with_body) {
  method = "post";  // @method is signed and checked uppercase
  sign();
  BOOST_TEST(headers.signature_input ==
             R"(sig1=("@method" "@path" "@query" "content-digest");created=1700000000)"
             R"(;nonce="nonce-1";keyid=")" + id + R"(";alg="ed25519")");
  BOOST_TEST(headers.content_digest == hs::content_digest(body));
  BOOST_TEST(headers.signature.substr(0, 6) == "sig1=:");
  BOOST_TEST(headers.signature.back() == ':');
  problem err;
  auto result = hs::verify(view(), now, skew, err);
  BOOST_TEST_REQUIRE(result.has_value(), err.message);
  BOOST_TEST(result->key_id == id);
  BOOST_TEST(result->created == now);
  BOOST_TEST(result->nonce == "nonce-1");
  method = "POST";
  BOOST_TEST(error() == "");
}

BOOST_AUTO_TEST_CASE(round_trip_without_body) {
  method = "GET";
  body = "";
  query = "";
  sign();
  BOOST_TEST(headers.signature_input.find("(\"@method\" \"@path\" \"@query\");") !=
             std::string::npos);
  BOOST_TEST(headers.content_digest.empty());
  BOOST_TEST(error() == "");
  // An empty query is signed as "?", so adding one breaks the signature.
  query = "a=1";
  BOOST_TEST(error() == "signature does not verify");
}

BOOST_AUTO_TEST_CASE(missing_headers) {
  sign();
  auto signed_headers = headers;
  headers.signature_input.clear();
  BOOST_TEST(error() == "Signature-Input header is missing");
  headers = signed_headers;
  headers.signature.clear();
  BOOST_TEST(error() == "Signature header is missing");
  headers = signed_headers;
  headers.content_digest.clear();
  BOOST_TEST(error() == "Content-Digest header is missing");
}

BOOST_AUTO_TEST_CASE(wrong_label) {
  sign();
  auto signed_headers = headers;
  headers.signature_input = replace(headers.signature_input, "sig1=", "sig2=");
  headers.signature = replace(headers.signature, "sig1=", "sig2=");
  BOOST_TEST(error() == "Signature-Input has no sig1 signature");
  headers = signed_headers;
  headers.signature = replace(headers.signature, "sig1=", "sig2=");
  BOOST_TEST(error() == "Signature has no sig1 signature");
}

BOOST_AUTO_TEST_CASE(other_labels_are_ignored) {
  sign();
  headers.signature_input = "proxy=(\"@method\");created=1, " + headers.signature_input;
  headers.signature += ", proxy=:AAAA:";
  BOOST_TEST(error() == "");
}

BOOST_AUTO_TEST_CASE(missing_or_extra_component) {
  auto all = standard_components();
  const std::string expected =
      R"(signature must cover exactly ("@method" "@path" "@query" "content-digest"))";
  sign_raw({all[0], all[1], all[3]}, params(R"(("@method" "@path" "content-digest"))"));
  BOOST_TEST(error() == expected);
  sign_raw({all[1], all[0], all[2], all[3]},
           params(R"(("@path" "@method" "@query" "content-digest"))"));
  BOOST_TEST(error() == expected);
  sign_raw({all[0], all[1], all[2]}, params(R"(("@method" "@path" "@query"))"));
  BOOST_TEST(error() == expected);
  body = "";
  sign_raw({all[0], all[1], all[2], all[3]},
           params(R"(("@method" "@path" "@query" "content-digest"))"));
  BOOST_TEST(error() == R"(signature must cover exactly ("@method" "@path" "@query"))"
                        " (no content-digest without a body)");
}

BOOST_AUTO_TEST_CASE(stale_and_future_created) {
  sign(now - skew);
  BOOST_TEST(error() == "");
  sign(now - skew - 1);
  BOOST_TEST(error() == "signature created outside the allowed clock skew of 300 s");
  sign(now + skew);
  BOOST_TEST(error() == "");
  sign(now + skew + 1);
  BOOST_TEST(error() == "signature created outside the allowed clock skew of 300 s");
}

BOOST_AUTO_TEST_CASE(digest_mismatch) {
  sign();
  body = R"({"name":"evil"})";
  BOOST_TEST(error() == "Content-Digest does not match the body");
  headers.content_digest = "sha-512=:" + encoding::base64_encode(std::string(64, 'x')) + ":";
  BOOST_TEST(error() == "Content-Digest has no sha-256 digest");
  body = "";
  sign();
  headers.content_digest = hs::content_digest("");
  BOOST_TEST(error() == "Content-Digest header must be absent when the body is empty");
}

BOOST_AUTO_TEST_CASE(digest_with_other_algorithms_alongside) {
  sign();
  // The digest value as sent is what the signature covers.
  auto digest = "sha-512=:" + encoding::base64_encode(std::string(64, 'x')) + ":, " +
                hs::content_digest(body);
  auto components = standard_components();
  components[3].second = digest;
  sign_raw(components, params(R"(("@method" "@path" "@query" "content-digest"))"));
  headers.content_digest = digest;
  BOOST_TEST(error() == "");
}

BOOST_AUTO_TEST_CASE(tampered_request) {
  sign();
  auto signed_headers = headers;
  body = R"({"name":"evil"})";
  headers.content_digest = hs::content_digest(body);  // a forger recomputes the digest
  BOOST_TEST(error() == "signature does not verify");
  body = R"({"name":"echo"})";
  headers = signed_headers;
  path = "/v1/agents/other";
  BOOST_TEST(error() == "signature does not verify");
  path = "/v1/agents/x%20y";
  query = "limit=1000&page_token=a";
  BOOST_TEST(error() == "signature does not verify");
  query = "limit=10&page_token=a";
  method = "PUT";
  BOOST_TEST(error() == "signature does not verify");
  method = "POST";
  BOOST_TEST(error() == "");
}

BOOST_AUTO_TEST_CASE(wrong_key) {
  auto other = crypto::generate_key_pair();
  headers = hs::sign(method, path, query, body, other, id, now, "n");
  BOOST_TEST(error() == "signature does not verify");
}

BOOST_AUTO_TEST_CASE(bad_alg) {
  auto p = R"(("@method" "@path" "@query" "content-digest"))";
  sign_raw(standard_components(), params(p) + R"(;alg="rsa-pss-sha512")");
  BOOST_TEST(error() == "signature parameter alg must be \"ed25519\"");
  sign_raw(standard_components(), params(p) + ";alg=ed25519");  // a token, not a string
  BOOST_TEST(error() == "signature parameter alg must be \"ed25519\"");
  sign_raw(standard_components(), params_without_alg(p));  // alg is required
  BOOST_TEST(error() == "signature parameter alg must be \"ed25519\"");
}

BOOST_AUTO_TEST_CASE(required_parameters) {
  auto c = std::string(R"(("@method" "@path" "@query" "content-digest"))");
  auto keyid = ";keyid=\"" + id + "\"";
  sign_raw(standard_components(), c + ";nonce=\"n\"" + keyid);
  BOOST_TEST(error() == "signature parameter created must be an integer");
  sign_raw(standard_components(), c + ";created=\"1700000000\";nonce=\"n\"" + keyid);
  BOOST_TEST(error() == "signature parameter created must be an integer");
  sign_raw(standard_components(), c + ";created=1700000000" + keyid);
  BOOST_TEST(error() == "signature parameter nonce must be a string of 1-128 characters");
  sign_raw(standard_components(), c + ";created=1700000000;nonce=\"\"" + keyid);
  BOOST_TEST(error() == "signature parameter nonce must be a string of 1-128 characters");
  sign_raw(standard_components(),
           c + ";created=1700000000;nonce=\"" + std::string(129, 'n') + "\"" + keyid);
  BOOST_TEST(error() == "signature parameter nonce must be a string of 1-128 characters");
  sign_raw(standard_components(),
           c + ";created=1700000000;nonce=\"" + std::string(128, 'n') + "\"" + keyid +
               ";alg=\"ed25519\"");
  BOOST_TEST(error() == "");
  sign_raw(standard_components(), c + ";created=1700000000;nonce=\"n\";keyid=\"test-key\"");
  BOOST_TEST(error() == "signature parameter keyid must be an agent id (z6Mk...)");
  sign_raw(standard_components(), c + ";created=1700000000;nonce=\"n\"");
  BOOST_TEST(error() == "signature parameter keyid must be an agent id (z6Mk...)");
  sign_raw(standard_components(),
           c + ";created=1700000000;nonce=\"n\";keyid=\"did:web:" + id + "\";alg=\"ed25519\"");
  BOOST_TEST(error() == "signature parameter keyid must be an agent id (z6Mk...)");
}

// The node signs the calls it forwards with keyid "did:key:<id>": the same
// code verifies them as a node's, and never as an agent's (so a node's
// signature can't authenticate as an agent, whatever its key), nor the reverse.
BOOST_AUTO_TEST_CASE(node_and_agent_signatures_are_told_apart) {
  headers = hs::sign(method, path, query, body, key, "did:key:" + id, now, "nonce-1");
  problem err;
  auto result = hs::verify(view(), now, skew, err, hs::signer::node);
  BOOST_TEST_REQUIRE(result.has_value(), err.message);
  BOOST_TEST(result->key_id == id);
  BOOST_TEST(error() == "signature parameter keyid must be an agent id (z6Mk...)");
  sign();
  BOOST_TEST(error() == "");
  BOOST_TEST(!hs::verify(view(), now, skew, err, hs::signer::node).has_value());
  BOOST_TEST(err.message == "signature parameter keyid must be a node's did:key (did:key:z6Mk...)");
}

// The verifier rebuilds @signature-params canonically, so optional spaces and
// parameter order as sent don't matter as long as the signer signed that order.
BOOST_AUTO_TEST_CASE(non_canonical_spacing_still_verifies) {
  auto canonical = R"(("@method" "@path" "@query" "content-digest");keyid=")" + id +
                   R"(";created=1700000000;nonce="n";alg="ed25519")";
  sign_raw(standard_components(), canonical);
  headers.signature_input = R"(  sig1=(  "@method" "@path"   "@query" "content-digest" );)"
                            R"( keyid=")" + id + R"(";created=1700000000;nonce="n";alg="ed25519"  )";
  BOOST_TEST(error() == "");
}

BOOST_AUTO_TEST_CASE(malformed_headers) {
  sign();
  auto signed_headers = headers;
  for (const char* bad : {"sig1=(\"@method\"", "sig1=(\"@method\" \"@path\";created=1",
                          "sig1=(\"@method\")x", "sig1=(\"@method\"),", "Sig1=(\"@method\")",
                          "sig1=(\"@m\\ethod\")", "sig1=(\"@method\");created=1234567890123456"}) {
    headers.signature_input = bad;
    BOOST_TEST(error(tessera::ec::invalid_request).find("Signature-Input header is malformed: ") ==
                   0u,
               bad);
  }
  headers = signed_headers;
  headers.signature = "sig1=:not base64:";
  BOOST_TEST(error(tessera::ec::invalid_request).find("Signature header is malformed") == 0u);
  headers.signature = "sig1=\"c2lnbmF0dXJl\"";
  BOOST_TEST(error() == "Signature sig1 must be a byte sequence");
  headers = signed_headers;
  headers.signature_input = "sig1=\"@method\"";
  BOOST_TEST(error() == "Signature-Input sig1 must be an inner list of components");
  headers = signed_headers;
  headers.content_digest = "sha-256=abc";
  BOOST_TEST(error() == "Content-Digest sha-256 must be a byte sequence");
  headers.content_digest = "sha-256=:abc";
  BOOST_TEST(error(tessera::ec::invalid_request).find("Content-Digest header is malformed") == 0u);
  headers = signed_headers;
  headers.signature_input += ";tag=\"" + std::string(4096, 't') + "\"";
  BOOST_TEST(error(tessera::ec::invalid_request) ==
             "Signature-Input header is longer than 4096 characters");
}

BOOST_AUTO_TEST_SUITE_END()
