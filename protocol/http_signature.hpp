#pragma once
// RFC 9421 HTTP message signatures as Tessera agents use them:
//   Signature-Input: sig1=("@method" "@path" "@query" "content-digest");created=..;nonce="..";keyid="<agent id>";alg="ed25519"
//   Signature: sig1=:<base64 ed25519 signature>:
//   Content-Digest: sha-256=:<base64 sha256(body)>:        (RFC 9530)
// Without a body, "content-digest" is not covered and the header is absent.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/crypto.hpp"
#include "protocol/errors.hpp"

namespace tessera::http_signature {

/// "sha-256=:<base64>:" for the body.
std::string content_digest(std::string_view body);

/// One covered component and its value, e.g. {"@method", "POST"}.
using component = std::pair<std::string, std::string>;

/// The RFC 9421 §2.5 signature base for the given components and the
/// serialized signature parameters (the part after "sig1=", e.g.
/// ("@method" "@path");created=1618884473;keyid="test-key-ed25519").
std::string signature_base(const std::vector<component>& components,
                           std::string_view signature_params);

struct signed_headers {
  std::string signature_input;  // value of Signature-Input
  std::string signature;        // value of Signature
  std::string content_digest;   // value of Content-Digest; empty when no body
};

/// `path` is the request path as sent (percent-encoded), `query` the raw query
/// string without '?' (empty if none).
signed_headers sign(std::string_view method, std::string_view path, std::string_view query,
                    std::string_view body, const crypto::key_pair& key, std::string_view key_id,
                    int64_t created, std::string_view nonce);

struct request_view {
  std::string_view method;
  std::string_view path;
  std::string_view query;
  std::string_view body;
  std::string_view signature_input;  // header values; empty if absent
  std::string_view signature;
  std::string_view content_digest;
};

/// Agents sign with keyid = their id (z6Mk...); a Tessera node signs the calls
/// it forwards with keyid = its did:key ("did:key:z6Mk..."), so one kind of
/// signature can never pass as the other.
constexpr std::string_view did_key_prefix = "did:key:";
enum class signer { agent, node };

struct verified {
  std::string key_id;  // the agent id that signed (without did:key:)
  int64_t created = 0;
  std::string nonce;
};

constexpr size_t max_nonce = 128;

/// Verifies label sig1: exact covered components, created within max_skew of
/// now (seconds), a nonce (1-128 chars), alg "ed25519", a keyid that is an
/// agent id (its did:key gives the public key; for `signer::node` the did:key itself), the content digest against the
/// body, and the signature. Replay (keyid, nonce) is checked by the caller.
/// On failure returns nullopt and sets err (code invalid_signature or
/// invalid_request) with a message saying what is wrong.
std::optional<verified> verify(const request_view& request, int64_t now, int64_t max_skew,
                               problem& err, signer kind = signer::agent);

}  // namespace tessera::http_signature
