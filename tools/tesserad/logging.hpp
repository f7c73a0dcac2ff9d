#pragma once
#include "config/settings.hpp"

namespace tessera {

/// Sets spdlog's level and line format (text, or one JSON object per line).
void setup_logging(const config::logging_settings& s);

}  // namespace tessera
