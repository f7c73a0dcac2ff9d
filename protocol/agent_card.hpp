#pragma once
// Agent cards: validation of every field (with its path in errors), signature
// verification, and signing for the CLI. The stored card is the document as
// sent; `agent_card` carries what the server indexes from it.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "protocol/crypto.hpp"
#include "protocol/errors.hpp"

namespace tessera::card {

// Limits (documented in the README).
constexpr size_t max_name = 128;
constexpr size_t max_description = 4096;
constexpr size_t max_version = 64;
constexpr size_t max_url = 2048;
constexpr size_t max_skills = 64;
constexpr size_t max_skill_id = 128;
constexpr size_t max_tags = 32;
constexpr size_t max_tag = 64;
constexpr size_t max_metadata_bytes = 16 * 1024;
constexpr size_t max_signatures = 4;
inline const std::vector<std::string> known_protocols = {"a2a", "mcp", "acp", "http"};

struct agent_card {
  std::string id;          // did:key fingerprint derived from public_key
  std::string public_key;  // 32 raw bytes
  std::string name;
  std::string description;
  std::string version;
  std::string url;
  std::vector<std::string> protocols;
  std::vector<std::string> skill_ids;
  std::vector<std::string> tags;  // card tags and skill tags, deduplicated
  nlohmann::json document;        // the card exactly as sent (with signatures)
};

/// Validates shape and limits of every field, then verifies that at least one
/// signature is a valid EdDSA JWS by the card's own key with kid
/// "did:key:<id>#<id>" over the JCS form of the card without "signatures".
/// On failure returns nullopt and sets `err` (code invalid_request, message
/// naming the field, e.g. "skills[2].name: must be 1-128 characters").
std::optional<agent_card> parse(const nlohmann::json& document, problem& err);

/// Returns `document` (without any existing "signatures") with
/// "public_key" set to the key and a fresh "signatures" array.
nlohmann::json sign(nlohmann::json document, const crypto::key_pair& key);

}  // namespace tessera::card
