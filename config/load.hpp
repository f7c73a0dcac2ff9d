#pragma once
// Loading settings from YAML: ${VAR} / ${VAR:-default} substitution in string
// values, unknown keys rejected, every problem reported at once with its key path.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/duration.hpp"
#include "config/redact.hpp"
#include "config/settings.hpp"

namespace tessera::config {

struct config_error {
  std::string key;      // e.g. "server.http_threads"
  std::string message;  // e.g. "must be an integer between 1 and 256"
};

struct load_result {
  settings value;                    // defaults overlaid with what parsed cleanly
  std::vector<config_error> errors;  // empty on success
  bool ok() const { return errors.empty(); }
};

using env_lookup = std::function<std::optional<std::string>(const std::string&)>;
/// Reads the process environment.
env_lookup process_env();

load_result load_yaml(const std::string& text, const env_lookup& env);
load_result load_file(const std::string& path, const env_lookup& env);

/// The effective settings as YAML, secrets (passwords in database.dsn, user_auth.jwt_secret)
/// redacted.
std::string to_yaml(const settings& s);

}  // namespace tessera::config
