#pragma once
// Environment substitution in configuration values: ${VAR}, ${VAR:-default}
// and $$, and the escaping that lets printed values load back unchanged.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/load.hpp"

namespace tessera::config {

/// Expands one scalar; every problem is reported against `key`, nullopt when there was any.
std::optional<std::string> expand(std::string_view text, const std::string& key,
                                  const env_lookup& env, std::vector<config_error>& errors);
/// `text` with each '$' doubled (to_yaml output goes back through expand).
std::string escape_dollars(const std::string& text);

}  // namespace tessera::config
