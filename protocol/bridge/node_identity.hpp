#pragma once
// The node's own key: it signs every call the bridge makes (RFC 9421, the
// same scheme agents sign with, keyid = the node's did:key), so an agent can
// check that a call came through this Tessera -- with the same code Tessera
// verifies agents with (protocol/http_signature.hpp). The public half is
// published at /.well-known/tessera-node.json.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/crypto.hpp"

namespace tessera::bridge {

struct node_identity {
  crypto::key_pair key;
  std::string id;  // the did:key fingerprint, z6Mk...
  bool ephemeral = false;  // made at start: bridge.node_key was not set

  std::string did() const { return "did:key:" + id; }
};

/// From bridge.node_key (a base64url 32-byte seed, the private_key of a
/// `tessera keygen` key file), or a fresh random key when it is empty.
/// Throws std::invalid_argument when the seed is malformed.
node_identity make_node_identity(std::string_view seed_base64url);

/// The document served at /.well-known/tessera-node.json.
nlohmann::ordered_json node_document(const node_identity& node);

/// The headers that sign an outbound call: Signature-Input, Signature and,
/// with a body, Content-Digest. `target` is the request target as sent (path
/// and query); `created` in seconds since the epoch; a fresh random nonce.
std::vector<std::pair<std::string, std::string>> sign_call(const node_identity& node,
                                                           std::string_view method,
                                                           std::string_view target,
                                                           std::string_view body,
                                                           int64_t created);

}  // namespace tessera::bridge
