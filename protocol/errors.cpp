#include "protocol/errors.hpp"

namespace tessera {

const char* to_string(ec code) {
  switch (code) {
    case ec::none: return "none";
    case ec::invalid_request: return "invalid_request";
    case ec::invalid_signature: return "invalid_signature";
    case ec::forbidden: return "forbidden";
    case ec::not_found: return "not_found";
    case ec::agent_exists: return "agent_exists";
    case ec::conflict: return "conflict";
    case ec::payload_too_large: return "payload_too_large";
    case ec::timeout: return "timeout";
    case ec::unavailable: return "unavailable";
    case ec::internal: return "internal";
    case ec::unauthenticated: return "unauthenticated";
    case ec::invalid_credentials: return "invalid_credentials";
    case ec::rate_limited: return "rate_limited";
    case ec::verification_failed: return "verification_failed";
  }
  // A value outside the enum can only come from a corrupt cast; report it as ours.
  return "internal";
}

}  // namespace tessera
