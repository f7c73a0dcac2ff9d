#pragma once
// The reputation model as JSON: what GET /api/v1/reputation/model publishes
// (so anyone can see how a score is made) and what `tessera reputation
// replay` reads back to recompute a score from its log exactly as the server
// did.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "protocol/reputation.hpp"

namespace tessera::reputation {

/// {"alpha","prior","half_life_ms","heartbeat_credit_interval_ms",
///  "tiers":{"high_min","low_below"},
///  "trusted":{"verified":true,"min_score","min_events"},
///  "events":{"<kind>":{"value","weight"},...},
///  "credit_rules":[...]} (what is not credited, in words; not read back)
nlohmann::ordered_json model_json(const reputation_params& params);

/// The params a model_json document describes; nullopt with `err` naming the
/// field when it is not one.
std::optional<reputation_params> params_from_model(const nlohmann::json& model, std::string& err);

}  // namespace tessera::reputation
