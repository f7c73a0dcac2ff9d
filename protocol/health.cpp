#include "protocol/health.hpp"

#include <nlohmann/json.hpp>

namespace tessera::health {

namespace {

int rank(const std::string& state) {
  return state == "down" ? 2 : state == "ok" ? 0 : 1;
}

}  // namespace

const std::string& worst(const std::string& a, const std::string& b) {
  return rank(a) >= rank(b) ? a : b;
}

verdict summarize(const std::vector<std::pair<std::string, std::string>>& components,
                  std::optional<int64_t> agents_online) {
  nlohmann::ordered_json states = nlohmann::ordered_json::object();
  bool down = false, all_ok = true;
  for (const auto& [name, state] : components) {
    states[name] = state;
    down = down || state == "down";
    all_ok = all_ok && state == "ok";
  }
  nlohmann::ordered_json body;
  body["status"] = all_ok ? "ok" : "degraded";
  body["components"] = std::move(states);
  if (agents_online)
    body["agents_online"] = *agents_online;
  return {down ? 503 : 200, body.dump()};
}

}  // namespace tessera::health
