#include "protocol/agent_id.hpp"

#include <boost/test/unit_test.hpp>

#include "protocol/crypto.hpp"
#include "protocol/encoding.hpp"

using namespace tessera;
// The suite is named "agent_id" too, and a suite is a namespace.
namespace ids = tessera::agent_id;

namespace {

std::string from_hex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(agent_id)

// w3c-ccg/did-method-key test-vectors/ed25519-x25519.json: seed -> publicKeyBase58 -> did.
BOOST_AUTO_TEST_CASE(w3c_did_key_vectors) {
  struct vector {
    const char* seed;
    const char* public_key_base58;
    const char* did;
  };
  const vector vectors[] = {
      {"0000000000000000000000000000000000000000000000000000000000000000",
       "4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS",
       "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"},
      {"0000000000000000000000000000000000000000000000000000000000000001",
       "6ASf5EcmmEHTgDJ4X4ZT5vT6iHVJBXPg5AN5YoTCpGWt",
       "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG"},
      {"0000000000000000000000000000000000000000000000000000000000000002",
       "8pM1DN3RiT8vbom5u1sNryaNT1nyL8CTTW3b5PwWXRBH",
       "did:key:z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf"},
      {"0000000000000000000000000000000000000000000000000000000000000003",
       "HPYVwAQmskwT1qEEeRzhoomyfyupJGASQQtCXSNG8XS2",
       "did:key:z6MkvqoYXQfDDJRv8L4wKzxYeuKyVZBfi9Qo6Ro8MiLH3kDQ"},
      {"0000000000000000000000000000000000000000000000000000000000000004",
       "J3qYF7YJMKCqQke47UQwiHizgFUXapHxRxKmxbkar89x",
       "did:key:z6MkwW6aqMnjgrhJXFUko3NnZPGzVpkNzhYK7yEhnsibmLwL"},
  };
  for (const auto& v : vectors) {
    auto key = encoding::base58btc_decode(v.public_key_base58).value();
    BOOST_TEST(crypto::key_pair_from_seed(from_hex(v.seed)).public_key == key);
    auto id = ids::from_public_key(key);
    BOOST_TEST(ids::to_did(id) == v.did);
    BOOST_TEST(ids::to_public_key(id).value() == key);
    BOOST_TEST(ids::is_valid(id));
  }
}

// openwallet-foundation/acapy aries_cloudagent/did/tests/test_dids.py.
BOOST_AUTO_TEST_CASE(acapy_did_key_vector) {
  auto key = encoding::base58btc_decode("8HH5gYEeNc3z7PYXmd54d4x6qAfCNrqQqEB3nS7Zfu7K").value();
  BOOST_TEST(ids::from_public_key(key) == "z6MkmjY8GnV5i9YTDtPETC2uUAW6ejw3nk5mXF5yci5ab7th");
}

// RFC 8032 §7.1 TEST 1: the seed gives the published public key and signature,
// and that key's did:key is the one several did:key libraries publish for it.
BOOST_AUTO_TEST_CASE(rfc8032_test1_key) {
  auto kp = crypto::key_pair_from_seed(
      from_hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  BOOST_TEST(encoding::hex_encode(kp.public_key) ==
             "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  BOOST_TEST(encoding::hex_encode(crypto::sign(kp.secret_key, "")) ==
             "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bac"
             "c61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  auto id = ids::from_public_key(kp.public_key);
  BOOST_TEST(id == "z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw");
  BOOST_TEST(ids::key_id(id) ==
             "did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw"
             "#z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw");
}

BOOST_AUTO_TEST_CASE(generated_keys_round_trip) {
  for (int i = 0; i < 20; ++i) {
    auto kp = crypto::generate_key_pair();
    auto id = ids::from_public_key(kp.public_key);
    BOOST_TEST(id.substr(0, 4) == "z6Mk");
    BOOST_TEST(id.size() == 48u);
    BOOST_TEST(ids::to_public_key(id).value() == kp.public_key);
  }
}

BOOST_AUTO_TEST_CASE(rejects_what_is_not_an_ed25519_did_key_id) {
  const char* bad[] = {
      "",
      "z",
      "6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",           // no multibase prefix
      "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",  // a did, not an id
      "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooW0",          // '0' not in base58
      "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooW",           // 33 bytes
      "z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW",          // an X25519 key
      "zTjsVPtY",                                                  // w3c test suite: too small
  };
  for (const char* id : bad) {
    BOOST_TEST(!ids::to_public_key(id), id);
    BOOST_TEST(!ids::is_valid(id), id);
  }
  BOOST_TEST(!ids::is_valid(std::string(100, 'z')));
}

BOOST_AUTO_TEST_CASE(from_public_key_needs_32_bytes) {
  BOOST_CHECK_THROW(ids::from_public_key(std::string(31, 'a')), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
