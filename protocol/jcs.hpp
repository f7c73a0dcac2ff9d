#pragma once
// RFC 8785 JSON Canonicalization Scheme.
#include <nlohmann/json.hpp>
#include <string>

namespace tessera::jcs {

/// Canonical UTF-8 form: members sorted by UTF-16 code units, no whitespace,
/// numbers in ECMAScript shortest form, strings escaped minimally.
/// Throws std::invalid_argument for values JCS can't represent (NaN, Inf).
std::string canonicalize(const nlohmann::json& value);

}  // namespace tessera::jcs
