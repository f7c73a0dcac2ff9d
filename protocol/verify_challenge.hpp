#pragma once
// Endpoint verification, the pure part. The server sends a fresh nonce to
//   GET {card url}/.well-known/tessera-verify?challenge=<nonce>
// and the endpoint proves it holds the agent's key by answering
//   {"challenge": "<nonce>", "signature": "<base64url, no padding>"}
// where the signature is Ed25519, by the agent's key (the one its did:key id
// names), over the bytes of `tessera-verify-v1:<agent id>:<nonce>`. The agent
// id inside the message binds the answer to one agent, the nonce to one
// challenge.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::verify_challenge {

constexpr std::string_view well_known_path = "/.well-known/tessera-verify";
/// Random bytes in a nonce: 32, so 43 base64url characters.
constexpr size_t nonce_bytes = 32;
/// Longest challenge and signature an answer may carry (a signature is 86).
constexpr size_t max_field_length = 128;

/// `tessera-verify-v1:<agent id>:<nonce>`: what the endpoint signs.
std::string message(std::string_view agent_id, std::string_view nonce);

/// A fresh nonce: base64url (no padding) of nonce_bytes random bytes, safe in
/// a query string as is.
std::string make_nonce();

/// The well-known URL under `card_url` (a trailing / dropped), without the
/// challenge; nullopt when the url carries a query or a fragment, under which
/// no path can be appended.
std::optional<std::string> endpoint_of(std::string_view card_url);

/// `endpoint` with `?challenge=<nonce>` appended.
std::string request_url(std::string_view endpoint, std::string_view nonce);

/// Checks an endpoint's answer to `nonce` for `agent_id`: "" when it is valid,
/// else a sentence saying what is wrong with it (for the API and the audit log).
std::string check_answer(std::string_view body, std::string_view agent_id, std::string_view nonce);

/// The answer an agent's endpoint gives: JSON text signed with `secret_key`
/// (the 64-byte libsodium form).
std::string answer(std::string_view agent_id, std::string_view nonce, std::string_view secret_key);

}  // namespace tessera::verify_challenge
