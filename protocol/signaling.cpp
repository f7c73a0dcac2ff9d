#include "protocol/signaling.hpp"

#include <limits>
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
    // Integers only, and hops in range: a double out of int64's range (or a
    // hops past int32's) would not convert (undefined behaviour; found by
    // tests/fuzz/signal_frame), and a wrapped hops could forward again.
    const auto& at = j.at("at");
    const auto& hops = j.at("hops");
    if (!at.is_number_integer() || !hops.is_number_integer())
      return std::nullopt;
    auto h = hops.get<int64_t>();
    if (h < 0 || h > std::numeric_limits<int32_t>::max())
      return std::nullopt;
    e.at = at.get<int64_t>();
    e.hops = static_cast<int32_t>(h);
    return e;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace tessera
