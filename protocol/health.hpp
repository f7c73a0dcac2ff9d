#pragma once
// The verdict of GET /api/v1/health from what each component said: "ok",
// "slow" (alive, but it did not answer within the health deadline: busy is
// not dead), "degraded" (it serves, but something it depends on is away), or
// "down". Any "down" is 503; anything else is 200, with the top-level status
// "ok" only when every component is.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tessera::health {

struct verdict {
  int http_status = 200;
  std::string body;  // JSON
};

/// `components`: name and state, in the order they are shown.
verdict summarize(const std::vector<std::pair<std::string, std::string>>& components,
                  std::optional<int64_t> agents_online);

/// The worse of two states (down > slow/degraded > ok).
const std::string& worst(const std::string& a, const std::string& b);

}  // namespace tessera::health
