#pragma once
// Durations as configuration writes them: "1h30m", "90s", "250ms".
#include <optional>
#include <string>

#include "config/settings.hpp"

namespace tessera::config {

/// "1h30m", "90s", "250ms", "2m" -> milliseconds; nullopt when malformed.
/// Units go largest first, each at most once, as format_duration prints them.
std::optional<millis> parse_duration(const std::string& text);
std::string format_duration(millis d);

}  // namespace tessera::config
