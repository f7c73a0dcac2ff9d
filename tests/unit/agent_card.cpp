#include "protocol/agent_card.hpp"

#include <boost/test/unit_test.hpp>

#include "protocol/agent_id.hpp"
#include "protocol/encoding.hpp"
#include "protocol/jws.hpp"

using nlohmann::json;
using namespace tessera;

namespace {

struct fixture {
  crypto::key_pair key = crypto::generate_key_pair();

  static json unsigned_card() {
    return {
        {"name", "Echo \xe2\x82\xac"},
        {"description", "Repeats what it hears."},
        {"version", "1.2.0"},
        {"url", "https://echo.example.com/a2a"},
        {"protocols", {"a2a", "mcp"}},
        {"skills",
         {{{"id", "echo"}, {"name", "Echo"}, {"tags", {"text", "debug"}}},
          {{"id", "shout"}, {"name", "Shout"}, {"description", "Louder."}, {"tags", {"text"}}}}},
        {"tags", {"utility", "text"}},
        {"metadata", {{"region", "eu"}}},
    };
  }

  // Edits the unsigned card, signs it, and returns the parse error message.
  template <class Edit>
  std::string error_after(Edit edit) const {
    auto doc = unsigned_card();
    edit(doc);
    return error_of(card::sign(doc, key));
  }

  static std::string error_of(const json& doc) {
    problem err;
    auto parsed = card::parse(doc, err);
    BOOST_TEST(!parsed.has_value());
    BOOST_TEST(to_string(err.code) == std::string("invalid_request"));
    return err.message;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(agent_card, fixture)

BOOST_AUTO_TEST_CASE(valid_signed_card_parses) {
  auto doc = card::sign(unsigned_card(), key);
  problem err;
  auto parsed = card::parse(doc, err);
  BOOST_TEST_REQUIRE(parsed.has_value(), err.message);
  BOOST_TEST(parsed->id == agent_id::from_public_key(key.public_key));
  BOOST_TEST(parsed->public_key == key.public_key);
  BOOST_TEST(parsed->name == "Echo \xe2\x82\xac");
  BOOST_TEST(parsed->description == "Repeats what it hears.");
  BOOST_TEST(parsed->version == "1.2.0");
  BOOST_TEST(parsed->url == "https://echo.example.com/a2a");
  BOOST_TEST(parsed->protocols == (std::vector<std::string>{"a2a", "mcp"}));
  BOOST_TEST(parsed->skill_ids == (std::vector<std::string>{"echo", "shout"}));
  BOOST_TEST(parsed->tags == (std::vector<std::string>{"utility", "text", "debug"}));
  BOOST_TEST(parsed->document == doc);
  BOOST_TEST(doc["public_key"] == encoding::base64url_encode(key.public_key));
  BOOST_TEST(doc["signatures"].size() == 1u);
}

BOOST_AUTO_TEST_CASE(minimal_card_parses) {
  json doc = {{"name", "m"},
              {"version", "1"},
              {"url", "http://[::1]:8080"},
              {"protocols", {"http"}}};
  problem err;
  auto parsed = card::parse(card::sign(doc, key), err);
  BOOST_TEST_REQUIRE(parsed.has_value(), err.message);
  BOOST_TEST(parsed->description.empty());
  BOOST_TEST(parsed->skill_ids.empty());
  BOOST_TEST(parsed->tags.empty());
}

BOOST_AUTO_TEST_CASE(signing_again_replaces_the_signatures) {
  auto other = crypto::generate_key_pair();
  auto doc = card::sign(card::sign(unsigned_card(), other), key);
  problem err;
  auto parsed = card::parse(doc, err);
  BOOST_TEST_REQUIRE(parsed.has_value(), err.message);
  BOOST_TEST(parsed->public_key == key.public_key);
  BOOST_TEST(doc["signatures"].size() == 1u);
}

BOOST_AUTO_TEST_CASE(any_one_valid_signature_suffices) {
  auto doc = card::sign(unsigned_card(), key);
  auto unsigned_doc = doc;
  unsigned_doc.erase("signatures");
  auto stranger = crypto::generate_key_pair();
  auto kid = agent_id::key_id(agent_id::from_public_key(key.public_key));
  doc["signatures"].insert(doc["signatures"].begin(),
                           jws::sign_detached(unsigned_doc, stranger, kid));
  problem err;
  BOOST_TEST(card::parse(doc, err).has_value(), err.message);
}

BOOST_AUTO_TEST_CASE(document_must_be_an_object) {
  BOOST_TEST(error_of(json::array()) == "card: must be a JSON object");
}

BOOST_AUTO_TEST_CASE(name) {
  BOOST_TEST(error_after([](json& d) { d["name"] = std::string(129, 'a'); }) ==
             "name: must be a string of 1-128 characters");
  BOOST_TEST(error_after([](json& d) { d["name"] = ""; }) ==
             "name: must be a string of 1-128 characters");
  BOOST_TEST(error_after([](json& d) { d["name"] = 7; }) ==
             "name: must be a string of 1-128 characters");
  BOOST_TEST(error_after([](json& d) { d.erase("name"); }) == "name: is required");
  // 128 three-byte characters: the limit counts characters, not bytes.
  std::string euros;
  for (int i = 0; i < 128; ++i) euros += "\xe2\x82\xac";
  problem err;
  auto doc = unsigned_card();
  doc["name"] = euros;
  BOOST_TEST(card::parse(card::sign(doc, key), err).has_value(), err.message);
}

BOOST_AUTO_TEST_CASE(description_and_version) {
  BOOST_TEST(error_after([](json& d) { d["description"] = std::string(4097, 'a'); }) ==
             "description: must be a string of at most 4096 characters");
  BOOST_TEST(error_after([](json& d) { d.erase("version"); }) == "version: is required");
  BOOST_TEST(error_after([](json& d) { d["version"] = std::string(65, '1'); }) ==
             "version: must be a string of 1-64 characters");
}

BOOST_AUTO_TEST_CASE(url) {
  BOOST_TEST(error_after([](json& d) { d["url"] = "ftp://echo.example.com"; }) ==
             "url: must be an http:// or https:// URL");
  BOOST_TEST(error_after([](json& d) { d["url"] = "echo.example.com"; }) ==
             "url: must be an http:// or https:// URL");
  BOOST_TEST(error_after([](json& d) { d["url"] = "https:///path"; }) == "url: must have a host");
  BOOST_TEST(error_after([](json& d) { d["url"] = "https://user@:443/"; }) ==
             "url: must have a host");
  BOOST_TEST(error_after([](json& d) { d["url"] = "https://echo.example.com/a b"; }) ==
             "url: must not contain spaces or control characters");
  BOOST_TEST(error_after([](json& d) {
               d["url"] = "https://echo.example.com/" + std::string(2030, 'a');
             }) == "url: must be at most 2048 characters");
  BOOST_TEST(error_after([](json& d) { d.erase("url"); }) == "url: is required");
}

BOOST_AUTO_TEST_CASE(protocols) {
  BOOST_TEST(error_after([](json& d) { d["protocols"] = {"a2a", "ftp"}; }) ==
             "protocols[1]: unknown protocol \"ftp\" (expected a2a, mcp, acp or http)");
  BOOST_TEST(error_after([](json& d) { d["protocols"] = {"mcp", "mcp"}; }) ==
             "protocols[1]: duplicate protocol \"mcp\"");
  BOOST_TEST(error_after([](json& d) { d["protocols"] = json::array(); }) ==
             "protocols: must be a non-empty array of strings");
  BOOST_TEST(error_after([](json& d) { d["protocols"] = {1}; }) ==
             "protocols[0]: must be a string");
}

BOOST_AUTO_TEST_CASE(skills) {
  BOOST_TEST(error_after([](json& d) {
               d["skills"] = json::array();
               for (int i = 0; i < 65; ++i)
                 d["skills"].push_back({{"id", std::to_string(i)}, {"name", "s"}});
             }) == "skills: must be an array of at most 64 skills");
  BOOST_TEST(error_after([](json& d) { d["skills"][1]["name"] = std::string(129, 'x'); }) ==
             "skills[1].name: must be a string of 1-128 characters");
  BOOST_TEST(error_after([](json& d) { d["skills"][1]["id"] = "echo"; }) ==
             "skills[1].id: duplicate skill id \"echo\"");
  BOOST_TEST(error_after([](json& d) { d["skills"][0].erase("id"); }) ==
             "skills[0].id: is required");
  BOOST_TEST(error_after([](json& d) { d["skills"][0]["examples"] = json::array(); }) ==
             "skills[0].examples: unknown field");
  BOOST_TEST(error_after([](json& d) { d["skills"][0]["tags"][1] = std::string(65, 't'); }) ==
             "skills[0].tags[1]: must be a string of 1-64 characters");
  BOOST_TEST(error_after([](json& d) { d["skills"][0] = "echo"; }) ==
             "skills[0]: must be an object");
}

BOOST_AUTO_TEST_CASE(tags) {
  BOOST_TEST(error_after([](json& d) { d["tags"] = json(std::vector<std::string>(33, "t")); }) ==
             "tags: must be an array of at most 32 tags");
  BOOST_TEST(error_after([](json& d) { d["tags"] = {"ok", ""}; }) ==
             "tags[1]: must be a string of 1-64 characters");
}

BOOST_AUTO_TEST_CASE(metadata) {
  BOOST_TEST(error_after([](json& d) {
               d["metadata"] = {{"blob", std::string(16 * 1024, 'x')}};
             }) == "metadata: must be at most 16384 bytes as compact JSON");
  BOOST_TEST(error_after([](json& d) { d["metadata"] = "x"; }) == "metadata: must be an object");
  problem err;
  auto doc = unsigned_card();
  doc["metadata"] = {{"b", std::string(16 * 1024 - 8, 'x')}};  // {"b":"..."} is 16384 bytes
  BOOST_TEST(card::parse(card::sign(doc, key), err).has_value(), err.message);
}

BOOST_AUTO_TEST_CASE(public_key) {
  auto doc = card::sign(unsigned_card(), key);
  doc["public_key"] = encoding::base64url_encode(key.public_key.substr(0, 31));
  BOOST_TEST(error_of(doc) == "public_key: must be base64url of 32 bytes");
  doc["public_key"] = encoding::base64_encode(key.public_key);  // padded standard base64
  BOOST_TEST(error_of(doc) == "public_key: must be base64url of 32 bytes");
  doc.erase("public_key");
  BOOST_TEST(error_of(doc) == "public_key: is required");
}

BOOST_AUTO_TEST_CASE(unknown_top_level_field) {
  BOOST_TEST(error_after([](json& d) { d["homepage"] = "https://x"; }) ==
             "homepage: unknown field");
  // A misspelt required field is reported as itself.
  BOOST_TEST(error_after([](json& d) {
               d["nmae"] = d["name"];
               d.erase("name");
             }) == "nmae: unknown field");
}

BOOST_AUTO_TEST_CASE(signature_by_another_key) {
  auto doc = card::sign(unsigned_card(), key);
  auto unsigned_doc = doc;
  unsigned_doc.erase("signatures");
  auto kid = agent_id::key_id(agent_id::from_public_key(key.public_key));
  doc["signatures"] = json::array({jws::sign_detached(unsigned_doc, crypto::generate_key_pair(), kid)});
  BOOST_TEST(error_of(doc) ==
             "signatures: no signature verifies with the card's key "
             "(signatures[0]: signature does not verify)");

  // A card signed by one agent can't be claimed by another by swapping the key.
  auto claimed = card::sign(unsigned_card(), crypto::generate_key_pair());
  claimed["public_key"] = encoding::base64url_encode(key.public_key);
  BOOST_TEST(error_of(claimed).find("signatures: no signature verifies with the card's key "
                                    "(signatures[0]: kid must be did:key:") == 0);
}

BOOST_AUTO_TEST_CASE(tampered_after_signing) {
  auto doc = card::sign(unsigned_card(), key);
  doc["url"] = "https://evil.example.com";
  BOOST_TEST(error_of(doc) ==
             "signatures: no signature verifies with the card's key "
             "(signatures[0]: signature does not verify)");
  doc = card::sign(unsigned_card(), key);
  doc["skills"][0]["tags"].push_back("extra");
  BOOST_TEST(error_of(doc).find("signatures: no signature verifies") == 0);
}

BOOST_AUTO_TEST_CASE(signatures_shape) {
  auto doc = card::sign(unsigned_card(), key);
  auto one = doc["signatures"][0];
  doc["signatures"] = json::array();
  BOOST_TEST(error_of(doc) == "signatures: must be a non-empty array of at most 4 signatures");
  doc["signatures"] = {one, one, one, one, one};
  BOOST_TEST(error_of(doc) == "signatures: must be a non-empty array of at most 4 signatures");
  doc["signatures"] = {{{"protected", one["protected"]}}};
  BOOST_TEST(error_of(doc) ==
             "signatures[0]: must be an object with string \"protected\" and \"signature\"");
  doc["signatures"] = json::array({one});
  doc["signatures"][0]["header"] = json::object();
  BOOST_TEST(error_of(doc) == "signatures[0].header: unknown field");
  doc.erase("signatures");
  BOOST_TEST(error_of(doc) == "signatures: is required");
}

BOOST_AUTO_TEST_CASE(first_problem_in_field_order_is_reported) {
  BOOST_TEST(error_after([](json& d) {
               d["name"] = "";
               d["url"] = "ftp://x";
               d["protocols"] = {"ftp"};
             }) == "name: must be a string of 1-128 characters");
  BOOST_TEST(error_after([](json& d) {
               d["url"] = "ftp://x";
               d["protocols"] = {"ftp"};
             }) == "url: must be an http:// or https:// URL");
}

BOOST_AUTO_TEST_CASE(endpoints_name_declared_protocols_and_urls) {
  auto with = [&](json endpoints) {
    return error_after([&](json& d) { d["endpoints"] = endpoints; });
  };
  auto doc = unsigned_card();
  doc["endpoints"] = {{"mcp", "https://echo.example.com/mcp"}};
  problem err;
  BOOST_TEST(card::parse(card::sign(doc, key), err).has_value(), err.message);
  BOOST_TEST(with({{"acp", "https://echo.example.com/acp"}}) ==
             "endpoints.acp: names a protocol the card does not declare in protocols");
  BOOST_TEST(with({{"mcp", "ftp://echo.example.com/"}}) ==
             "endpoints.mcp: must be an http:// or https:// URL");
  BOOST_TEST(with({{"mcp", 7}}) == "endpoints.mcp: must be a string");
  BOOST_TEST(with(json::object()).starts_with("endpoints: must be an object"));
  BOOST_TEST(with(json::array({"x"})).starts_with("endpoints: must be an object"));
}

BOOST_AUTO_TEST_SUITE_END()
