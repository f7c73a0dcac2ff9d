#pragma once
// Hiding secrets in values that are printed (tesserad --print-config).
#include <string>

namespace tessera::config {

/// database.dsn with any password replaced by "***" (both key=value and URL forms).
std::string redact_dsn(const std::string& dsn);

}  // namespace tessera::config
