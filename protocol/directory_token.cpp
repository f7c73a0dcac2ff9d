#include "protocol/directory_token.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include <nlohmann/json.hpp>

#include "protocol/agent_card.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/encoding.hpp"

namespace tessera::directory_token {

namespace {

bool is_word_byte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

problem bad(const std::string& field, const std::string& what) {
  return {ec::invalid_request, field + ": " + what};
}

problem not_a_token() { return bad("page_token", "not a token from a previous page"); }

std::string bits_hex(double value) {
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  char text[17];
  for (int i = 15; i >= 0; --i, bits >>= 4)
    text[i] = "0123456789abcdef"[bits & 0xf];
  return std::string(text, 16);
}

bool hex_bits(const std::string& text, double& value) {
  if (text.size() != 16)
    return false;
  uint64_t bits = 0;
  auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), bits, 16);
  if (err != std::errc{} || end != text.data() + text.size())
    return false;
  std::memcpy(&value, &bits, sizeof value);
  return std::isfinite(value);
}

bool has_control(const std::string& text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

/// A plain filter value: 1..max_value_bytes without control characters, or
/// absent (left empty: no filter).
problem read_value(const std::map<std::string, std::string>& values, const char* name,
                   std::string& out) {
  auto it = values.find(name);
  if (it == values.end())
    return {};
  if (it->second.empty() || it->second.size() > max_value_bytes || has_control(it->second))
    return bad(name, "expected 1 to " + std::to_string(max_value_bytes) +
                         " bytes without control characters");
  out = it->second;
  return {};
}

}  // namespace

std::vector<std::string> search_words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (is_word_byte(static_cast<unsigned char>(c))) {
      word += c;
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty())
    words.push_back(std::move(word));
  return words;
}

std::string page_token(const std::string& sort, const directory_entry& last) {
  nlohmann::json key = {{"sort", sort}, {"id", last.agent.id}};
  if (sort == "name")
    key["name"] = last.agent.name;
  else if (sort == "registered_at")
    key["at"] = last.agent.registered_at;
  else {
    key["class"] = last.rank_class;
    key["mag"] = bits_hex(last.rank_mag);
  }
  return encoding::base64url_encode(key.dump());
}

problem read_page_token(std::string_view token, directory_query& q) {
  auto text = encoding::base64url_decode(token);
  if (!text)
    return not_a_token();
  auto key = nlohmann::json::parse(*text, nullptr, false);
  if (!key.is_object() || !key.contains("sort") || !key["sort"].is_string() ||
      !key.contains("id") || !key["id"].is_string())
    return not_a_token();
  auto sort = key["sort"].get<std::string>();
  if (sort != q.sort) {
    if (sort == "reputation" || sort == "name" || sort == "registered_at")
      return bad("page_token", "made for sort=" + sort + ", not sort=" + q.sort);
    return not_a_token();
  }
  auto id = key["id"].get<std::string>();
  if (!agent_id::is_valid(id) || key.size() != 3 + (sort == "reputation" ? 1 : 0))
    return not_a_token();
  directory_query after = q;
  after.after_id = id;
  if (sort == "name") {
    auto name = key.find("name");
    if (name == key.end() || !name->is_string())
      return not_a_token();
    after.after_text = name->get<std::string>();
  } else if (sort == "registered_at") {
    auto at = key.find("at");
    if (at == key.end() || !at->is_number_integer())
      return not_a_token();
    after.after_int = at->get<int64_t>();
  } else {
    auto cls = key.find("class");
    auto mag = key.find("mag");
    if (cls == key.end() || !cls->is_number_integer() || mag == key.end() || !mag->is_string())
      return not_a_token();
    // An unsigned past int64 would wrap (2^64-1 to -1).
    if (cls->is_number_unsigned() && cls->get<uint64_t>() > 1)
      return not_a_token();
    auto c = cls->get<int64_t>();
    if (c < -1 || c > 1 || !hex_bits(mag->get<std::string>(), after.after_mag))
      return not_a_token();
    after.after_class = static_cast<int32_t>(c);
  }
  after.has_after = true;
  q = after;
  return {};
}

problem read_query(const std::map<std::string, std::string>& values, int64_t now_ms,
                   const reputation::reputation_params& params, directory_query& q) {
  auto value = [&](const char* name) -> const std::string* {
    auto it = values.find(name);
    return it == values.end() ? nullptr : &it->second;
  };
  for (auto [name, out] : {std::pair{"skill", &q.skill}, std::pair{"tag", &q.tag},
                           std::pair{"category", &q.category}})
    if (auto p = read_value(values, name, *out); p.code != ec::none)
      return p;
  if (auto v = value("protocol")) {
    const auto& known = card::known_protocols;
    if (std::find(known.begin(), known.end(), *v) == known.end())
      return bad("protocol", "expected a2a, mcp, acp or http");
    q.protocol = *v;
  }
  if (auto v = value("status")) {
    if (*v != "online" && *v != "offline")
      return bad("status", "expected online or offline");
    q.status = *v;
  }
  if (auto v = value("verified")) {
    if (*v != "true" && *v != "false")
      return bad("verified", "expected true or false");
    q.verified = *v == "true" ? 1 : 0;
  }
  if (auto v = value("min_score")) {
    double score = -1;
    auto [end, err] = std::from_chars(v->data(), v->data() + v->size(), score,
                                      std::chars_format::fixed);
    if (v->empty() || err != std::errc{} || end != v->data() + v->size() ||
        !(score >= 0 && score <= 1))
      return bad("min_score", "expected a number from 0 to 1");
    auto bound = reputation::min_score_bound(score, now_ms, params);
    q.has_min_rank = true;
    q.min_rank_class = bound.cls;
    q.min_rank_mag = bound.mag;
  }
  if (auto v = value("q")) {
    if (v->size() > max_text_bytes)
      return bad("q", "longer than " + std::to_string(max_text_bytes) + " bytes");
    auto words = search_words(*v);
    if (words.empty())
      return bad("q", "expected at least one word (letters or digits)");
    q.text.clear();
    for (const auto& w : words)
      q.text += (q.text.empty() ? "" : " ") + w;
  }
  q.sort = "reputation";
  if (auto v = value("sort")) {
    if (*v != "reputation" && *v != "name" && *v != "registered_at")
      return bad("sort", "expected reputation, name or registered_at");
    q.sort = *v;
  }
  q.limit = default_limit;
  if (auto v = value("limit")) {
    int limit = 0;
    auto [end, err] = std::from_chars(v->data(), v->data() + v->size(), limit);
    if (v->empty() || err != std::errc{} || end != v->data() + v->size() || limit < 1 ||
        limit > max_limit)
      return bad("limit", "expected an integer from 1 to " + std::to_string(max_limit));
    q.limit = limit;
  }
  if (auto v = value("page_token"))
    return read_page_token(*v, q);
  return {};
}

}  // namespace tessera::directory_token
