#pragma once
// Access tokens: JWT (RFC 7519) signed with HS256 (libjwt). Only HS256 is
// accepted: "none", other algorithms, a wrong key, a changed header or
// payload, a missing claim, a wrong issuer or an expired token all fail.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/errors.hpp"

namespace tessera::jwt {

constexpr const char* issuer = "tessera";

struct claims {
  std::string sub;   // user id
  std::string role;  // user | admin
  std::string jti;   // random, unique per token
  int64_t iat = 0;   // seconds since the epoch
  int64_t exp = 0;
  std::string sid;   // the sign-in (refresh token family) it belongs to; optional here,
                     // the server refuses tokens without a live one
};

/// Signs `c` (iss = "tessera" is added). `secret` is the raw key bytes;
/// throws std::invalid_argument if it is empty.
std::string sign(const claims& c, std::string_view secret);

/// Verifies signature, algorithm, issuer and expiry against `now` (seconds).
/// On failure returns nullopt with `err` = invalid_credentials and a message
/// saying why (never echoing the token). Anything but the compact base64url
/// form up to 4 KiB, and any token when `secret` is empty, is refused.
std::optional<claims> verify(std::string_view token, std::string_view secret, int64_t now,
                             problem& err);

}  // namespace tessera::jwt
