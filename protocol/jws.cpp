#include "protocol/jws.hpp"

#include <stdexcept>

#include "protocol/encoding.hpp"
#include "protocol/jcs.hpp"

namespace tessera::jws {
namespace {

constexpr std::string_view algorithm = "EdDSA";
// A protected header is two short members; a bigger one is not ours and is not parsed.
constexpr size_t max_protected_length = 2048;

// The member `key` of `object` if it is a string, else null.
const std::string* string_member(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

std::string signing_input(std::string_view protected_b64, const nlohmann::json& document) {
  std::string input(protected_b64);
  input += '.';
  input += encoding::base64url_encode(jcs::canonicalize(document));
  return input;
}

}  // namespace

nlohmann::json sign_detached(const nlohmann::json& document, const crypto::key_pair& key,
                             std::string_view kid) {
  nlohmann::json header = {{"alg", algorithm}, {"kid", kid}};
  auto protected_b64 = encoding::base64url_encode(jcs::canonicalize(header));
  auto signature = crypto::sign(key.secret_key, signing_input(protected_b64, document));
  return {{"protected", protected_b64}, {"signature", encoding::base64url_encode(signature)}};
}

bool verify_detached(const nlohmann::json& document, const nlohmann::json& signature,
                     std::string_view public_key, std::string_view expected_kid, std::string& why) {
  const std::string* protected_b64 = nullptr;
  const std::string* signature_b64 = nullptr;
  if (signature.is_object()) {
    protected_b64 = string_member(signature, "protected");
    signature_b64 = string_member(signature, "signature");
  }
  if (!protected_b64 || !signature_b64) {
    why = "must be an object with string \"protected\" and \"signature\"";
    return false;
  }
  if (protected_b64->size() > max_protected_length) {
    why = "protected header is too long";
    return false;
  }
  auto header_text = encoding::base64url_decode(*protected_b64);
  if (!header_text) {
    why = "protected header is not base64url";
    return false;
  }
  auto header = nlohmann::json::parse(*header_text, nullptr, false);
  if (!header.is_object()) {
    why = "protected header is not a JSON object";
    return false;
  }
  // RFC 7515 §4.1.11: extensions listed in "crit" must be understood; we know none
  // (notably not RFC 7797 "b64", which would change the signing input).
  if (header.contains("crit")) {
    why = "crit header parameters are not supported";
    return false;
  }
  auto alg = string_member(header, "alg");
  if (!alg || *alg != algorithm) {
    why = "alg must be EdDSA";
    return false;
  }
  auto kid = string_member(header, "kid");
  if (!kid || *kid != expected_kid) {
    why = "kid must be " + std::string(expected_kid);
    return false;
  }
  auto sig = encoding::base64url_decode(*signature_b64);
  if (!sig) {
    why = "signature is not base64url";
    return false;
  }
  if (sig->size() != crypto::signature_size) {
    why = "signature must be 64 bytes";
    return false;
  }
  std::string input;
  try {
    input = signing_input(*protected_b64, document);
  } catch (const std::invalid_argument& e) {
    why = std::string("document has no canonical form: ") + e.what();
    return false;
  }
  if (!crypto::verify(public_key, input, *sig)) {
    why = "signature does not verify";
    return false;
  }
  return true;
}

}  // namespace tessera::jws
