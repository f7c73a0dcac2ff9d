// Recomputes every value of the README's signing walkthrough, so the example
// can't drift from the code (Ed25519 signatures are deterministic).
#include <boost/test/unit_test.hpp>

#include "protocol/agent_card.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/encoding.hpp"
#include "protocol/http_signature.hpp"
#include "protocol/jcs.hpp"

using namespace tessera;

BOOST_AUTO_TEST_SUITE(readme_example)

BOOST_AUTO_TEST_CASE(walkthrough_values) {
  auto seed = encoding::base64url_decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A");
  BOOST_REQUIRE(seed);
  BOOST_TEST(encoding::hex_encode(*seed) ==
             "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  auto key = crypto::key_pair_from_seed(*seed);
  auto id = agent_id::from_public_key(key.public_key);
  BOOST_TEST(encoding::base64url_encode(key.public_key) ==
             "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
  BOOST_TEST(id == "z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw");

  nlohmann::json card = {{"name", "Echo"},
                         {"version", "1.0.0"},
                         {"url", "https://echo.example.com"},
                         {"protocols", {"a2a"}}};
  auto signed_card = card::sign(card, key);
  auto unsigned_form = signed_card;
  unsigned_form.erase("signatures");
  BOOST_TEST(jcs::canonicalize(unsigned_form) ==
             R"({"name":"Echo","protocols":["a2a"],"public_key":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","url":"https://echo.example.com","version":"1.0.0"})");
  auto body = signed_card.dump();
  BOOST_TEST(body ==
             R"({"name":"Echo","protocols":["a2a"],"public_key":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","signatures":[{"protected":"eyJhbGciOiJFZERTQSIsImtpZCI6ImRpZDprZXk6ejZNa3R3dXBkbUxYVlZxVHpDdzRpNDZyNHVHeW9zR1hSblIzWGpONFpxN29NTXN3I3o2TWt0d3VwZG1MWFZWcVR6Q3c0aTQ2cjR1R3lvc0dYUm5SM1hqTjRacTdvTU1zdyJ9","signature":"TCv6PEkrUVbCnBwqaUr9pkK0-MjBjVTMNtGF5r2JHrdaUkX8vxjCh55MFibwihZkxaxKU0pLDMvhUsxzXkckAQ"}],"url":"https://echo.example.com","version":"1.0.0"})");

  auto h = http_signature::sign("POST", "/api/v1/agents", "", body, key, id, 1795000000,
                                "8Rk2mZ0nq4XcV1bT");
  BOOST_TEST(h.content_digest == "sha-256=:514CTboS7sCa/bqhBQx+TPoqfqkwOwxmu7NDHuTIOaE=:");
  BOOST_TEST(h.signature_input ==
             R"(sig1=("@method" "@path" "@query" "content-digest");created=1795000000;nonce="8Rk2mZ0nq4XcV1bT";keyid="z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw";alg="ed25519")");
  BOOST_TEST(h.signature ==
             "sig1=:FPfBjjPlyrgnaCX1C0pocLU2oRSCaZ/tDpTDogRw++Rti+264Cy7IJLL8aXt5VQM1R4njdXfLuxZjkYkEMaCCg==:");

  // And the server side accepts exactly this request at that time.
  problem err;
  http_signature::request_view view{"POST", "/api/v1/agents", "", body, h.signature_input,
                                    h.signature, h.content_digest};
  auto ok = http_signature::verify(view, 1795000010, 300, err);
  BOOST_TEST(ok.has_value(), err.message);
}

BOOST_AUTO_TEST_SUITE_END()
