#include "protocol/json_body.hpp"

#include <set>
#include <string>
#include <vector>

namespace tessera::json_body {

namespace {

bool depth_within(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit)
        return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

}  // namespace

std::optional<nlohmann::json> parse(std::string_view text, std::string_view what, problem& err) {
  auto fail = [&](const std::string& message) {
    err = {ec::invalid_request, std::string{what} + ": " + message};
    return std::nullopt;
  };
  // nlohmann skips a UTF-8 byte order mark; the stored text would then not be
  // JSON that can be spliced into a response.
  if (text.starts_with("\xEF\xBB\xBF"))
    return fail("must not start with a byte order mark");
  // nlohmann's lexer ends the input at a NUL byte, so "<value>\0<anything>"
  // would parse as <value> and the stored text would carry the rest.
  if (auto nul = text.find('\0'); nul != std::string_view::npos)
    return fail("malformed JSON at byte " + std::to_string(nul + 1) + ": a NUL byte");
  if (!depth_within(text, max_depth))
    return fail("JSON nests deeper than " + std::to_string(max_depth) + " levels");
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  auto watch = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using event_t = nlohmann::json::parse_event_t;
    if (event == event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == event_t::object_end) {
      open_objects.pop_back();
    } else if (event == event_t::key && duplicate.empty() &&
               !open_objects.back().insert(parsed.get<std::string>()).second) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text.begin(), text.end(), watch);
  } catch (const nlohmann::json::parse_error& e) {
    return fail("malformed JSON at byte " + std::to_string(e.byte));
  } catch (const nlohmann::json::exception&) {
    return fail("a number is out of range");
  }
  if (!duplicate.empty())
    return fail("duplicate key \"" + duplicate + "\" in an object");
  return doc;
}

}  // namespace tessera::json_body
