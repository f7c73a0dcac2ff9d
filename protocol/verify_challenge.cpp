#include "protocol/verify_challenge.hpp"

#include <nlohmann/json.hpp>

#include "protocol/agent_id.hpp"
#include "protocol/crypto.hpp"
#include "protocol/encoding.hpp"
#include "protocol/json_body.hpp"

namespace tessera::verify_challenge {

namespace {

// The string member `name` of the answer into `out`, or why it can't be had.
std::string read_field(const nlohmann::json& doc, const char* name, std::string& out) {
  auto it = doc.find(name);
  if (it == doc.end())
    return std::string("the answer has no \"") + name + "\"";
  if (!it->is_string())
    return std::string("the answer's \"") + name + "\" is not a string";
  out = it->get<std::string>();
  if (out.size() > max_field_length)
    return std::string("the answer's \"") + name + "\" is longer than " +
           std::to_string(max_field_length) + " characters";
  return "";
}

}  // namespace

std::string message(std::string_view agent_id, std::string_view nonce) {
  std::string out = "tessera-verify-v1:";
  out += agent_id;
  out += ':';
  out += nonce;
  return out;
}

std::string make_nonce() {
  return encoding::base64url_encode(crypto::random_bytes(nonce_bytes));
}

std::optional<std::string> endpoint_of(std::string_view card_url) {
  if (card_url.find_first_of("?#") != std::string_view::npos)
    return std::nullopt;
  while (card_url.ends_with('/'))
    card_url.remove_suffix(1);
  return std::string(card_url) + std::string(well_known_path);
}

std::string request_url(std::string_view endpoint, std::string_view nonce) {
  return std::string(endpoint) + "?challenge=" + std::string(nonce);
}

std::string check_answer(std::string_view body, std::string_view agent_id, std::string_view nonce) {
  auto public_key = agent_id::to_public_key(agent_id);
  if (!public_key)
    return "the agent id is not an Ed25519 did:key id, so no key can check the answer";
  problem err;
  auto doc = json_body::parse(body, "the answer", err);
  if (!doc)
    return err.message;
  if (!doc->is_object())
    return "the answer is not a JSON object (expected {\"challenge\": ..., \"signature\": ...})";
  std::string challenge, signature;
  if (auto why = read_field(*doc, "challenge", challenge); !why.empty())
    return why;
  if (auto why = read_field(*doc, "signature", signature); !why.empty())
    return why;
  if (challenge != nonce)
    return "the answer is for another challenge than the one sent (a stale or replayed answer?)";
  auto raw = encoding::base64url_decode(signature);
  if (!raw || raw->size() != crypto::signature_size)
    return "the answer's \"signature\" is not base64url (no padding) of a 64-byte Ed25519 "
           "signature";
  if (!crypto::verify(*public_key, message(agent_id, nonce), *raw))
    return "the signature does not verify with the agent's key over "
           "tessera-verify-v1:<agent id>:<challenge>";
  return "";
}

std::string answer(std::string_view agent_id, std::string_view nonce, std::string_view secret_key) {
  nlohmann::json doc;
  doc["challenge"] = std::string(nonce);
  doc["signature"] =
      encoding::base64url_encode(crypto::sign(secret_key, message(agent_id, nonce)));
  return doc.dump();
}

}  // namespace tessera::verify_challenge
