#include "http/message.hpp"

#include <algorithm>

#include "protocol/encoding.hpp"

namespace tessera::http {

bool iequals(std::string_view a, std::string_view b) {
  return encoding::iequals(a, b);
}

std::string request::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name))
      return v;
  return {};
}

bool request::has_header(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return iequals(h.first, name); });
}

std::vector<std::string> request::header_values(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : headers)
    if (iequals(k, name))
      out.push_back(v);
  return out;
}

std::string request::param(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (k == name)
      return v;
  return {};
}

bool request::has_param(std::string_view name) const {
  return std::any_of(params.begin(), params.end(), [&](const auto& p) { return p.first == name; });
}

size_t request::param_count(std::string_view name) const {
  return static_cast<size_t>(
      std::count_if(params.begin(), params.end(), [&](const auto& p) { return p.first == name; }));
}

const std::string& request::path_param(size_t i) const {
  static const std::string none;
  return i < path_params.size() ? path_params[i] : none;
}

void response::set_header(std::string name, std::string value) {
  for (auto& [k, v] : headers) {
    if (iequals(k, name)) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

bool response::has_header(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return iequals(h.first, name); });
}

std::string response::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name))
      return v;
  return {};
}

void response::set_content(std::string text, std::string content_type) {
  body = std::move(text);
  set_header("Content-Type", std::move(content_type));
}

bool parse_query(std::string_view query,
                 std::vector<std::pair<std::string, std::string>>& out) {
  size_t at = 0;
  while (at <= query.size()) {
    auto end = query.find('&', at);
    if (end == std::string_view::npos)
      end = query.size();
    auto part = query.substr(at, end - at);
    if (!part.empty()) {
      auto eq = part.find('=');
      std::string key, value;
      if (!encoding::percent_decode(part.substr(0, eq), true, key) ||
          !encoding::percent_decode(eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1),
                          true, value))
        return false;
      out.emplace_back(std::move(key), std::move(value));
    }
    at = end + 1;
  }
  return true;
}

}  // namespace tessera::http
