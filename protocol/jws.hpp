#pragma once
// JWS with detached payload over a JCS-canonical JSON document, as A2A signs
// agent cards: {"protected": b64url(header), "signature": b64url(sig)} where
// header = {"alg":"EdDSA","kid":...} and the signing input is
// b64url(header) + "." + b64url(jcs(document)).
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "protocol/crypto.hpp"

namespace tessera::jws {

nlohmann::json sign_detached(const nlohmann::json& document, const crypto::key_pair& key,
                             std::string_view kid);

/// Checks one {"protected","signature"} entry against `document` and the raw
/// public key. On failure, returns false and sets `why` (e.g. "alg must be EdDSA").
bool verify_detached(const nlohmann::json& document, const nlohmann::json& signature,
                     std::string_view public_key, std::string_view expected_kid, std::string& why);

}  // namespace tessera::jws
