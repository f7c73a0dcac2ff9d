#pragma once
// Hiding secrets in values that are printed (tesserad --print-config).
#include <string>

namespace tessera::config {

/// database.dsn with any password replaced by "***" (both key=value and URL forms).
std::string redact_dsn(const std::string& dsn);

/// A whole-value secret (user_auth.jwt_secret): "***" when set, "" when not, so the printed
/// configuration still shows whether it is set.
std::string redact_secret(const std::string& secret);

}  // namespace tessera::config
