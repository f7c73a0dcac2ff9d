#pragma once
// RFC 8941 structured field values: just what Signature-Input, Signature and
// Content-Digest need (dictionaries of items and inner lists with parameters),
// parsed strictly: any syntax error rejects the whole field.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace tessera::structured_fields {

struct bare_item {
  enum class kind { integer, decimal, string, token, bytes, boolean } type = kind::integer;
  int64_t integer = 0;  // integer; boolean as 0 or 1
  std::string text;     // decimal (canonical), string, token, bytes (decoded)
};

/// In the order sent; a repeated key keeps its first position and its last value.
using parameters = std::vector<std::pair<std::string, bare_item>>;

struct item {
  bare_item value;
  parameters params;
};

struct inner_list {
  std::vector<item> items;
  parameters params;
};

using member = std::variant<item, inner_list>;

/// Keyed by member name; a repeated name keeps its last value.
using dictionary = std::map<std::string, member>;

/// Parses a dictionary field value (§4.2.2). On failure returns nullopt and
/// sets `why` (e.g. "unterminated string").
std::optional<dictionary> parse_dictionary(std::string_view input, std::string& why);

/// An sf-string with its quotes, '"' and '\' escaped (§4.1.6).
std::string serialize_string(std::string_view s);

/// An inner list with its items' and its own parameters (§4.1.1.1), in
/// canonical form: single spaces, boolean true parameters without "=?1".
std::string serialize(const inner_list& list);

}  // namespace tessera::structured_fields
