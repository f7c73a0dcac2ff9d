#include "config/startup_checks.hpp"

#include "protocol/crypto.hpp"

namespace tessera::config {

namespace {

constexpr const char* make_one =
    "make one with `openssl rand -base64 48` and set it, e.g. jwt_secret: ${TESSERA_JWT_SECRET}";

}  // namespace

startup_check check_for_mode(settings& s, run_mode mode) {
  startup_check result;
  auto& secret = s.user_auth.jwt_secret;
  if (!s.user_auth.enabled) return result;
  if (secret.empty() && mode == run_mode::dev) {
    secret = crypto::random_bytes(min_jwt_secret_bytes);
    result.warnings.push_back(
        "user_auth.jwt_secret is not set: --dev signs with a random key, so tokens won't survive "
        "a restart");
  } else if (secret.empty()) {
    result.errors.push_back({"user_auth.jwt_secret",
                             "must be set when user_auth.enabled is true (at least " +
                                 std::to_string(min_jwt_secret_bytes) + " bytes); " + make_one +
                                 " (or run tesserad --dev for a throwaway key)"});
  } else if (secret.size() < min_jwt_secret_bytes) {
    // A short key is a mistake in any mode: --dev only stands in for a missing one.
    result.errors.push_back({"user_auth.jwt_secret",
                             "must be at least " + std::to_string(min_jwt_secret_bytes) +
                                 " bytes, got " + std::to_string(secret.size()) + "; " + make_one});
  }
  return result;
}

}  // namespace tessera::config
