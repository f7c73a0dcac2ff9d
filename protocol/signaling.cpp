#include "protocol/signaling.hpp"

#include <nlohmann/json.hpp>

namespace tessera {

std::string to_json(const signal_envelope& e) {
  return nlohmann::json{{"to", e.to},     {"from", e.from}, {"type", e.type},
                        {"text", e.text}, {"at", e.at},     {"hops", e.hops}}
      .dump();
}

std::optional<signal_envelope> envelope_from_json(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object())
    return std::nullopt;
  try {
    signal_envelope e;
    e.to = j.at("to").get<std::string>();
    e.from = j.at("from").get<std::string>();
    e.type = j.at("type").get<std::string>();
    e.text = j.at("text").get<std::string>();
    e.at = j.at("at").get<int64_t>();
    e.hops = j.at("hops").get<int32_t>();
    return e;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace tessera
