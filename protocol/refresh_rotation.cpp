#include "protocol/refresh_rotation.hpp"

namespace tessera::refresh_rotation {

outcome decide(const credential& stored, int64_t now_ms) {
  if (stored.kind != "refresh") return outcome::wrong_kind;
  // Reuse is checked before expiry: an old token replayed after it expired
  // still means someone else holds it, and its family may live on through
  // newer rotations that must be revoked too.
  if (stored.used_at != 0 || stored.revoked_at != 0) return outcome::reuse_detected;
  if (stored.expires_at != 0 && stored.expires_at <= now_ms) return outcome::expired;
  return outcome::rotate;
}

}  // namespace tessera::refresh_rotation
