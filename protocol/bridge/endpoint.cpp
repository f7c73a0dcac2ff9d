#include "protocol/bridge/endpoint.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace tessera::bridge {

std::string endpoint_of(std::string_view card_json, std::string_view protocol) {
  auto card = nlohmann::json::parse(card_json, nullptr, false);
  if (!card.is_object()) return {};
  auto protocols = card.find("protocols");
  if (protocols == card.end() || !protocols->is_array() ||
      std::find(protocols->begin(), protocols->end(), protocol) == protocols->end())
    return {};
  auto endpoints = card.find("endpoints");
  if (endpoints != card.end() && endpoints->is_object()) {
    auto entry = endpoints->find(std::string(protocol));
    if (entry != endpoints->end() && entry->is_string()) return entry->get<std::string>();
  }
  auto url = card.find("url");
  return url != card.end() && url->is_string() ? url->get<std::string>() : std::string();
}

}  // namespace tessera::bridge
