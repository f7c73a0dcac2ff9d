#include "config/environment.hpp"

#include <algorithm>

#include "config/values.hpp"

namespace tessera::config {

namespace {

bool valid_variable_name(std::string_view name) {
  auto word = [](char c) { return c == '_' || is_letter(c) || is_digit(c); };
  return !name.empty() && !is_digit(name[0]) &&
         std::all_of(name.begin(), name.end(), word);
}

}  // namespace

// Expands ${VAR}, ${VAR:-default} and $$ in one scalar. Every problem is reported against `key`;
// nullopt when there was any. A lone '$' is an error rather than a literal so that "$VAR" (a
// forgotten pair of braces) cannot slip through unexpanded. Defaults are not expanded again.
std::optional<std::string> expand(std::string_view text, const std::string& key,
                                  const env_lookup& env, std::vector<config_error>& errors) {
  std::string out;
  size_t errors_before = errors.size();
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$') {
      out += text[i];
    } else if (text.substr(i + 1, 1) == "$") {
      out += '$';
      ++i;
    } else if (text.substr(i + 1, 1) != "{") {
      errors.push_back({key, "a lone $ must be written $$ (or ${VAR} to read the environment)"});
    } else if (auto close = text.find('}', i); close == std::string_view::npos) {
      errors.push_back({key, "unterminated ${ (missing })"});
      break;
    } else {
      std::string_view inside = text.substr(i + 2, close - i - 2);
      auto separator = inside.find(":-");
      std::string name(inside.substr(0, separator));
      i = close;
      if (!valid_variable_name(name)) {
        errors.push_back({key, "invalid environment variable name " + quoted(name)});
      } else if (auto value = env(name)) {
        // Set but empty still counts as set: an explicit empty value is a choice.
        out += *value;
      } else if (separator != std::string_view::npos) {
        out += inside.substr(separator + 2);
      } else {
        errors.push_back({key, "environment variable " + name + " is not set (use ${" + name +
                                   ":-default} for a default)"});
      }
    }
  }
  if (errors.size() != errors_before) return std::nullopt;
  return out;
}

// to_yaml output goes back through expand, so literal dollars must be doubled.
std::string escape_dollars(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '$') out += '$';
    out += c;
  }
  return out;
}

}  // namespace tessera::config
