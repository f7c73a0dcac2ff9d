#include "protocol/bridge/node_identity.hpp"

#include <sodium.h>

#include <stdexcept>

#include "protocol/agent_id.hpp"
#include "protocol/encoding.hpp"
#include "protocol/http_signature.hpp"

namespace tessera::bridge {

node_identity make_node_identity(std::string_view seed_base64url) {
  node_identity node;
  if (seed_base64url.empty()) {
    node.key = crypto::generate_key_pair();
    node.ephemeral = true;
  } else {
    auto seed = encoding::base64url_decode(seed_base64url);
    if (!seed || seed->size() != crypto::seed_size)
      throw std::invalid_argument(
          "bridge.node_key: must be a 32-byte Ed25519 seed in base64url without padding");
    node.key = crypto::key_pair_from_seed(*seed);
    sodium_memzero(seed->data(), seed->size());
  }
  node.id = agent_id::from_public_key(node.key.public_key);
  return node;
}

nlohmann::ordered_json node_document(const node_identity& node) {
  nlohmann::ordered_json doc;
  doc["id"] = node.id;
  doc["did"] = node.did();
  doc["public_key"] = encoding::base64url_encode(node.key.public_key);
  doc["alg"] = "ed25519";
  doc["signatures"] = {
      {"scheme", "RFC 9421"},
      {"label", "sig1"},
      {"components", {"@method", "@path", "@query", "content-digest"}},
      {"keyid", node.did()},
      {"headers", {"Signature-Input", "Signature", "Content-Digest"}},
  };
  doc["caller_header"] = "Tessera-Caller";
  return doc;
}

std::vector<std::pair<std::string, std::string>> sign_call(const node_identity& node,
                                                           std::string_view method,
                                                           std::string_view target,
                                                           std::string_view body,
                                                           int64_t created) {
  auto question = target.find('?');
  auto path = target.substr(0, question);
  auto query = question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  unsigned char raw[16];
  randombytes_buf(raw, sizeof raw);
  auto nonce = encoding::base64url_encode(std::string_view(reinterpret_cast<char*>(raw), sizeof raw));
  auto h = http_signature::sign(method, path, query, body, node.key, node.did(), created, nonce);
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Signature-Input", std::move(h.signature_input)}, {"Signature", std::move(h.signature)}};
  if (!h.content_digest.empty()) headers.emplace_back("Content-Digest", std::move(h.content_digest));
  return headers;
}

}  // namespace tessera::bridge
