#pragma once
// What presenting a refresh token means, decided from its stored state. A
// token that was already exchanged (or revoked) coming back means two parties
// hold it: the whole family is revoked (theft detection, as in RFC 6819
// 5.2.2.3 and OAuth 2.0 Security BCP 4.14).
#include <cstdint>

#include "protocol/account.hpp"

namespace tessera::refresh_rotation {

enum class outcome {
  rotate,         // valid: issue a new pair, mark this one used
  reuse_detected, // used or revoked before: revoke the family, refuse
  expired,        // refuse
  wrong_kind,     // not a refresh token: refuse
};

outcome decide(const credential& stored, int64_t now_ms);

}  // namespace tessera::refresh_rotation
