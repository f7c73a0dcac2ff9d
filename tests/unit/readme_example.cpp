// Recomputes the README's signing walkthrough from its seed and checks that
// every value the README shows is what the code produces (Ed25519 signatures
// are deterministic), so the example can't drift from the code.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>

#include "protocol/agent_card.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/encoding.hpp"
#include "protocol/http_signature.hpp"
#include "protocol/jcs.hpp"

using namespace tessera;

BOOST_AUTO_TEST_SUITE(readme_example)

BOOST_AUTO_TEST_CASE(walkthrough_values_match_the_code) {
  std::ifstream in(std::string{TESSERA_SOURCE_DIR} + "/README.md");
  BOOST_REQUIRE(in);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const auto readme = buffer.str();
  auto shown = [&](const std::string& value) {
    BOOST_TEST(readme.find(value) != std::string::npos, "README should show: " << value);
  };

  // The RFC 8032 test-1 seed.
  const std::string seed_b64 = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
  auto seed = encoding::base64url_decode(seed_b64);
  BOOST_REQUIRE(seed);
  shown(seed_b64);
  shown(encoding::hex_encode(*seed));
  auto key = crypto::key_pair_from_seed(*seed);
  auto id = agent_id::from_public_key(key.public_key);
  shown(encoding::base64url_encode(key.public_key));
  shown(id);

  nlohmann::json card = {{"name", "Echo"},
                         {"version", "1.0.0"},
                         {"url", "https://echo.example.com"},
                         {"protocols", {"a2a"}}};
  shown(R"({"name":"Echo","version":"1.0.0","url":"https://echo.example.com","protocols":["a2a"]})");
  auto signed_card = card::sign(card, key);
  auto unsigned_form = signed_card;
  unsigned_form.erase("signatures");
  shown(jcs::canonicalize(unsigned_form));
  auto body = signed_card.dump();
  shown(body);

  const int64_t created = 1795000000;
  const std::string nonce = "8Rk2mZ0nq4XcV1bT";
  shown("created=" + std::to_string(created));
  shown("nonce `" + nonce + "`");
  auto h = http_signature::sign("POST", "/api/v1/agents", "", body, key, id, created, nonce);
  shown("Content-Digest: " + h.content_digest);
  shown("Signature-Input: " + h.signature_input);
  shown("Signature: " + h.signature);
  auto params = h.signature_input.substr(std::string{"sig1="}.size());
  shown(http_signature::signature_base({{"@method", "POST"},
                                        {"@path", "/api/v1/agents"},
                                        {"@query", "?"},
                                        {"content-digest", h.content_digest}},
                                       params));

  // And the server side accepts exactly this request at that time.
  problem err;
  http_signature::request_view view{"POST", "/api/v1/agents", "", body, h.signature_input,
                                    h.signature, h.content_digest};
  BOOST_TEST(http_signature::verify(view, created + 10, 300, err).has_value(), err.message);
}

BOOST_AUTO_TEST_SUITE_END()
