#pragma once
// tessera::ec inside caf::error: category "tessera", the message as context.
#include <caf/error.hpp>

#include <string>

#include "protocol/errors.hpp"

namespace tessera {

constexpr caf::atom_value error_category = caf::atom("tessera");

caf::error make_error(ec code, std::string message);

/// Maps any caf::error to a problem: ours keep their code and message; CAF's
/// own request timeout becomes ec::timeout, a dead receiver ec::unavailable.
problem to_problem(const caf::error& err);

}  // namespace tessera
