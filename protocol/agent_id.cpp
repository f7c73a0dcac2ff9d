#include "protocol/agent_id.hpp"

#include <stdexcept>

#include "protocol/crypto.hpp"
#include "protocol/encoding.hpp"

namespace tessera::agent_id {
namespace {

// The multicodec varint of "ed25519-pub" (0xed), as did:key prefixes the key with it.
constexpr std::string_view ed25519_prefix = "\xed\x01";
// "z" + base58 of 34 bytes is 48 characters; anything much longer is not an id,
// and refusing it early bounds the quadratic base58 decoding.
constexpr size_t max_id_length = 64;

}  // namespace

std::string from_public_key(std::string_view public_key) {
  if (public_key.size() != crypto::public_key_size)
    throw std::invalid_argument("an Ed25519 public key is 32 bytes");
  std::string prefixed(ed25519_prefix);
  prefixed += public_key;
  return "z" + encoding::base58btc_encode(prefixed);
}

std::optional<std::string> to_public_key(std::string_view id) {
  if (id.size() > max_id_length || id.empty() || id.front() != 'z') return std::nullopt;
  auto raw = encoding::base58btc_decode(id.substr(1));
  if (!raw || raw->size() != ed25519_prefix.size() + crypto::public_key_size ||
      raw->compare(0, ed25519_prefix.size(), ed25519_prefix) != 0)
    return std::nullopt;
  return raw->substr(ed25519_prefix.size());
}

bool is_valid(std::string_view id) { return to_public_key(id).has_value(); }

std::string to_did(std::string_view id) { return "did:key:" + std::string(id); }

std::string key_id(std::string_view id) { return to_did(id) + "#" + std::string(id); }

}  // namespace tessera::agent_id
