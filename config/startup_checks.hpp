#pragma once
// What the configuration must hold depends on how tesserad runs: --dev fills in
// what a real deployment has to set itself.
#include <cstddef>
#include <string>
#include <vector>

#include "config/load.hpp"

namespace tessera::config {

/// HS256 wants a key at least as long as its 32-byte output (RFC 7518 3.2).
constexpr size_t min_jwt_secret_bytes = 32;

enum class run_mode { deployment, dev };

struct startup_check {
  std::vector<config_error> errors;  // start-up must stop
  std::vector<std::string> warnings;
  bool ok() const { return errors.empty(); }
};

/// When user_auth.enabled: a missing or short jwt_secret is an error, except
/// that in dev mode a missing one becomes random bytes (with a warning that
/// tokens won't survive a restart).
startup_check check_for_mode(settings& s, run_mode mode);

}  // namespace tessera::config
