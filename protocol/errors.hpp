#pragma once
// The one error enum of Tessera. Actors return it inside caf::error (category
// "tessera"); http/ maps each code to a status and a snake_case code string.
#include <cstdint>
#include <string>

namespace tessera {

enum class ec : uint8_t {
  none = 0,
  invalid_request,     // 400: malformed input; the message names the field
  invalid_signature,   // 401: missing, stale, replayed or forged request signature
  forbidden,           // 403: authenticated, but not allowed to do this
  not_found,           // 404
  agent_exists,        // 409
  conflict,            // 409: other state conflicts
  payload_too_large,   // 413
  timeout,             // 503: an actor did not answer in time
  unavailable,         // 503: a component is down
  internal,            // 500
  unauthenticated,     // 401: the route needs credentials and none were sent
  invalid_credentials, // 401: a token, key or password that is wrong, expired or revoked
  rate_limited,        // 429: slow down; Retry-After says for how long
  verification_failed, // 422: the agent's endpoint did not prove it holds the agent's key
};

/// The snake_case code used in JSON errors, e.g. "agent_exists".
const char* to_string(ec code);

/// An error with its human message (and, for bad input, the field it is about).
struct problem {
  ec code = ec::none;
  std::string message;
};

}  // namespace tessera
