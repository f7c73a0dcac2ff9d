#pragma once
// Substring search with LIKE, the same on SQLite and PostgreSQL: both sides
// are lower-cased (ASCII, as both databases' LOWER does without ICU) and the
// wildcards of the user's text are escaped with '!', so "50%" matches only a
// literal "50%". Use as `LOWER(col) LIKE :pattern ESCAPE '!'`.
#include <string>

namespace tessera::storage {

inline std::string contains_pattern(const std::string& text) {
  std::string out = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '!')
      out += '!';
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  out += '%';
  return out;
}

}  // namespace tessera::storage
