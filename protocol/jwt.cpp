#include "protocol/jwt.hpp"

#include <jwt.h>

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <new>
#include <stdexcept>

namespace tessera::jwt {

namespace {

struct jwt_deleter {
  void operator()(jwt_t* j) const { jwt_free(j); }
};
using jwt_ptr = std::unique_ptr<jwt_t, jwt_deleter>;

// libjwt 1.10 has no jwt_free_str: its strings come from malloc.
struct malloc_deleter {
  void operator()(char* s) const { std::free(s); }
};

// Our tokens are a few hundred bytes; anything far larger is not one of ours
// and is not worth decoding.
constexpr size_t max_token_size = 4096;

const unsigned char* key_bytes(std::string_view secret) {
  return reinterpret_cast<const unsigned char*>(secret.data());
}

bool is_base64url(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// libjwt reads a NUL-terminated string, so a NUL (or anything else) smuggled
// into the token could make it verify text other than what was sent. Only
// the compact form header.payload.signature in base64url passes.
bool compact_form(std::string_view token) {
  if (token.empty() || token.size() > max_token_size) return false;
  int dots = 0;
  for (char c : token) {
    if (c == '.')
      ++dots;
    else if (!is_base64url(c))
      return false;
  }
  return dots == 2;
}

std::string string_claim(jwt_t* j, const char* name) {
  const char* value = jwt_get_grant(j, name);
  return value ? value : "";
}

// jwt_get_grant_int returns 0 without setting errno for a claim of another
// JSON type (string, float, bool), so 0 counts as missing as well; no token
// of ours was issued at the epoch.
int64_t time_claim(jwt_t* j, const char* name) {
  errno = 0;
  long value = jwt_get_grant_int(j, name);
  return errno == 0 && value > 0 ? value : 0;
}

claims read_claims(jwt_t* j) {
  return claims{string_claim(j, "sub"), string_claim(j, "role"), string_claim(j, "jti"),
                time_claim(j, "iat"), time_claim(j, "exp"), string_claim(j, "sid")};
}

/// The first required claim that is absent or of the wrong type, or nullptr.
const char* missing_claim(const claims& c) {
  if (c.sub.empty()) return "sub";
  if (c.role.empty()) return "role";
  if (c.jti.empty()) return "jti";
  if (c.iat == 0) return "iat";
  if (c.exp == 0) return "exp";
  return nullptr;
}

std::optional<claims> refuse(problem& err, std::string why) {
  err = problem{ec::invalid_credentials, "Authorization: " + why};
  return std::nullopt;
}

void add_claims(jwt_t* j, const claims& c) {
  bool failed = jwt_add_grant(j, "iss", issuer) != 0 || jwt_add_grant(j, "sub", c.sub.c_str()) != 0 ||
                jwt_add_grant(j, "role", c.role.c_str()) != 0 ||
                jwt_add_grant(j, "jti", c.jti.c_str()) != 0 ||
                jwt_add_grant_int(j, "iat", c.iat) != 0 || jwt_add_grant_int(j, "exp", c.exp) != 0 ||
                (!c.sid.empty() && jwt_add_grant(j, "sid", c.sid.c_str()) != 0);
  if (failed) throw std::runtime_error("jwt: could not add the claims");
}

}  // namespace

std::string sign(const claims& c, std::string_view secret) {
  // libjwt refuses an empty HS256 key anyway; say so plainly.
  if (secret.empty()) throw std::invalid_argument("jwt: the signing secret is empty");
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) throw std::bad_alloc();
  jwt_ptr j(raw);
  if (jwt_set_alg(j.get(), JWT_ALG_HS256, key_bytes(secret), static_cast<int>(secret.size())) != 0)
    throw std::runtime_error("jwt: could not set HS256");
  add_claims(j.get(), c);
  std::unique_ptr<char, malloc_deleter> text(jwt_encode_str(j.get()));
  if (!text) throw std::runtime_error("jwt: could not encode the token");
  return text.get();
}

std::optional<claims> verify(std::string_view token, std::string_view secret, int64_t now,
                             problem& err) {
  if (!compact_form(token)) return refuse(err, "the bearer token is not a JWT");
  // Given an empty key, jwt_decode checks no signature at all.
  if (secret.empty()) return refuse(err, "no key is configured to verify tokens");
  jwt_t* raw = nullptr;
  std::string text(token);
  if (jwt_decode(&raw, text.c_str(), key_bytes(secret), static_cast<int>(secret.size())) != 0)
    return refuse(err, "the token is malformed or its signature does not verify");
  jwt_ptr j(raw);
  // jwt_decode verifies with whichever algorithm the header names: a token
  // signed with HS384 or HS512 under our key passes it. Only HS256 is ours,
  // and checking here also guards against "none" in any libjwt version.
  if (jwt_get_alg(j.get()) != JWT_ALG_HS256) return refuse(err, "the token is not signed with HS256");
  if (string_claim(j.get(), "iss") != issuer) return refuse(err, "the token was not issued by tessera");
  auto c = read_claims(j.get());
  if (auto name = missing_claim(c))
    return refuse(err, std::string("the token lacks a valid \"") + name + "\" claim");
  if (c.exp <= now) return refuse(err, "the token has expired; refresh it");
  return c;
}

}  // namespace tessera::jwt
