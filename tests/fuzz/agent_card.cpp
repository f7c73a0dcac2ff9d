// Card validation: any JSON text a client could send as a card. A card that passes
// carries the id of its own key and re-parses equal from its serialised form; a
// document that got as far as the key/signature checks is also signed with a fixed
// key, so the signature path and the fields after it are exercised too: then the
// signed card must pass with that key's id, and a changed name must not.
#include "fuzz_check.hpp"
#include "protocol/agent_card.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/crypto.hpp"
#include "protocol/json_body.hpp"

namespace {

using namespace tessera;

const crypto::key_pair& fixed_key() {
  static const crypto::key_pair key = [] {
    crypto::init();
    return crypto::key_pair_from_seed(std::string(crypto::seed_size, '\x2a'));
  }();
  return key;
}

void check_accepted(const card::agent_card& c, const nlohmann::json& doc) {
  FUZZ_CHECK(agent_id::is_valid(c.id), c.id);
  FUZZ_CHECK(c.public_key.size() == crypto::public_key_size, c.id);
  FUZZ_CHECK(agent_id::from_public_key(c.public_key) == c.id, c.id);
  FUZZ_CHECK(c.document == doc, c.id);
  FUZZ_CHECK(!c.name.empty() && c.name.size() <= 4 * card::max_name, c.name);
  // Re-serialised, read again as a client's body, it is the same card.
  problem err;
  auto reread = json_body::parse(doc.dump(), "card", err);
  FUZZ_CHECK(reread.has_value(), err.message);
  auto again = card::parse(*reread, err);
  FUZZ_CHECK(again.has_value(), err.message);
  FUZZ_CHECK(again->id == c.id && again->name == c.name && again->url == c.url &&
                 again->protocols == c.protocols && again->skill_ids == c.skill_ids &&
                 again->tags == c.tags && again->version == c.version &&
                 again->description == c.description,
             c.id);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& key = fixed_key();
  problem err;
  auto doc = json_body::parse(fuzz::as_text(data, size), "card", err);
  if (!doc) return 0;
  auto c = card::parse(*doc, err);
  if (c) {
    check_accepted(*c, *doc);
  } else {
    FUZZ_CHECK(err.code == ec::invalid_request && !err.message.empty(), err.message);
    // Only documents whose other fields all passed are worth a signature: the key and
    // the signatures are checked last (an unknown field named "signatures[..." is not).
    auto starts = [&](const char* p) { return err.message.rfind(p, 0) == 0; };
    bool unknown = err.message.ends_with(": unknown field");
    bool reached_key = !unknown && (starts("public_key: ") || starts("signatures: ") ||
                                    starts("signatures["));
    if (!reached_key) return 0;
  }
  auto signed_doc = card::sign(*doc, key);
  problem signed_err;
  auto signed_card = card::parse(signed_doc, signed_err);
  // Every other field passed, and signing sets only public_key and signatures.
  FUZZ_CHECK(signed_card.has_value(), signed_err.message);
  FUZZ_CHECK(signed_card->id == agent_id::from_public_key(key.public_key), signed_card->id);
  check_accepted(*signed_card, signed_doc);
  auto tampered = signed_doc;
  tampered["name"] = signed_card->name + "!";
  problem tampered_err;
  FUZZ_CHECK(!card::parse(tampered, tampered_err).has_value(), "a changed name still verifies");
  return 0;
}
