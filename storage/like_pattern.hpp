#pragma once
// Substring search with LIKE, the same on SQLite and PostgreSQL: both sides
// are lower-cased in ASCII only and the wildcards of the user's text are
// escaped with '!', so "50%" matches only a literal "50%". Use as
// `<lower_ascii(sql, col)> LIKE :pattern ESCAPE '!'`.
#include <soci/soci.h>

#include <string>

#include "storage/session.hpp"

namespace tessera::storage {

/// LOWER(col) in ASCII only: SQLite's LOWER is, PostgreSQL's follows the
/// column's collation (É -> é) unless told to use "C".
inline std::string lower_ascii(session& sql, const std::string& column) {
  return sql.get_backend_name() == "postgresql" ? "LOWER(" + column + " COLLATE \"C\")"
                                                : "LOWER(" + column + ")";
}

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
