#pragma once
// Bounds checked before a JSON body is parsed, so hostile input can't exhaust
// the stack (nlohmann::json destroys nested values recursively).
#include <cstddef>
#include <string_view>

namespace tessera::json_limits {

constexpr int max_depth = 32;

/// True if arrays and objects in `text` nest at most `limit` deep (strings,
/// including escaped quotes, are skipped). Malformed text is left to the parser.
bool depth_within(std::string_view text, int limit = max_depth);

}  // namespace tessera::json_limits
