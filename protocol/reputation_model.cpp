#include "protocol/reputation_model.hpp"

namespace tessera::reputation {

nlohmann::ordered_json model_json(const reputation_params& params) {
  nlohmann::ordered_json events = nlohmann::ordered_json::object();
  for (auto kind : all_event_kinds)
    events[std::string{to_string(kind)}] = {{"value", params.of(kind).value},
                                            {"weight", params.of(kind).weight}};
  return {{"alpha", params.alpha},
          {"prior", params.prior},
          {"half_life_ms", params.half_life_ms},
          {"heartbeat_credit_interval_ms", params.heartbeat_credit_interval_ms},
          {"tiers", {{"high_min", params.high_tier_min}, {"low_below", params.low_tier_below}}},
          {"trusted",
           {{"verified", true},
            {"min_score", params.trusted_min_score},
            {"min_events", params.trusted_min_events}}},
          {"events", events},
          {"credit_rules",
           {"heartbeat_kept is credited at most once per heartbeat_credit_interval_ms",
            "verification_passed is not credited again until a verification_failed was"}}};
}

namespace {

/// The number at `path` (a JSON pointer) of `model`, or nullopt with `err`
/// (the first problem found is the one reported).
template <class T>
std::optional<T> number_at(const nlohmann::json& model, const std::string& path, std::string& err) {
  nlohmann::json::json_pointer pointer{path};
  if (!model.contains(pointer) || !model.at(pointer).is_number()) {
    if (err.empty())
      err = path.substr(1) + ": missing or not a number";
    return std::nullopt;
  }
  if constexpr (std::is_integral_v<T>) {
    if (!model.at(pointer).is_number_integer()) {
      if (err.empty())
        err = path.substr(1) + ": not an integer";
      return std::nullopt;
    }
  }
  return model.at(pointer).get<T>();
}

}  // namespace

std::optional<reputation_params> params_from_model(const nlohmann::json& model, std::string& err) {
  err.clear();
  if (!model.is_object()) {
    err = "the model is not a JSON object";
    return std::nullopt;
  }
  reputation_params p;
  auto alpha = number_at<double>(model, "/alpha", err);
  auto prior = number_at<double>(model, "/prior", err);
  auto half_life = number_at<int64_t>(model, "/half_life_ms", err);
  auto interval = number_at<int64_t>(model, "/heartbeat_credit_interval_ms", err);
  auto high = number_at<double>(model, "/tiers/high_min", err);
  auto low = number_at<double>(model, "/tiers/low_below", err);
  auto min_score = number_at<double>(model, "/trusted/min_score", err);
  auto min_events = number_at<int64_t>(model, "/trusted/min_events", err);
  if (!alpha || !prior || !half_life || !interval || !high || !low || !min_score || !min_events)
    return std::nullopt;
  if (*half_life <= 0) {
    err = "half_life_ms: must be positive";
    return std::nullopt;
  }
  p.alpha = *alpha;
  p.prior = *prior;
  p.half_life_ms = *half_life;
  p.heartbeat_credit_interval_ms = *interval;
  p.high_tier_min = *high;
  p.low_tier_below = *low;
  p.trusted_min_score = *min_score;
  p.trusted_min_events = *min_events;
  for (auto kind : all_event_kinds) {
    auto base = "/events/" + std::string{to_string(kind)};
    auto value = number_at<double>(model, base + "/value", err);
    auto weight = number_at<double>(model, base + "/weight", err);
    if (!value || !weight)
      return std::nullopt;
    p.events[static_cast<size_t>(kind)] = {*value, *weight};
  }
  return p;
}

}  // namespace tessera::reputation
