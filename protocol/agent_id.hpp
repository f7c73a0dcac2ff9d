#pragma once
// Agent ids are did:key fingerprints of Ed25519 keys:
//   id  = "z" + base58btc(0xED 0x01 || public_key)   (starts with "z6Mk")
//   did = "did:key:" + id
#include <optional>
#include <string>
#include <string_view>

namespace tessera::agent_id {

std::string from_public_key(std::string_view public_key);  // 32 raw bytes
/// The raw 32-byte key inside an id, or nullopt if `id` is not a valid Ed25519 did:key id.
std::optional<std::string> to_public_key(std::string_view id);
bool is_valid(std::string_view id);
std::string to_did(std::string_view id);
/// The JWS `kid` for an agent: "did:key:<id>#<id>".
std::string key_id(std::string_view id);

}  // namespace tessera::agent_id
