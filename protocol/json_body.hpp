#pragma once
// Parsing untrusted JSON text (request bodies, files) within limits.
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "protocol/errors.hpp"

namespace tessera::json_body {

constexpr int max_depth = 32;

/// Parses `text` as exactly one JSON value (only whitespace may follow it),
/// refusing: a NUL byte anywhere, nesting deeper than max_depth (checked before
/// parsing: nlohmann::json frees nested values recursively), duplicate keys in
/// an object (two parsers could read two different documents from the same
/// signed bytes), numbers out of range, and malformed JSON. On failure returns
/// nullopt and sets err (invalid_request, "<what>: ..." with `what` naming
/// the input, e.g. "body").
std::optional<nlohmann::json> parse(std::string_view text, std::string_view what, problem& err);

}  // namespace tessera::json_body
