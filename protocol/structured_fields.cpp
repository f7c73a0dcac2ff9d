#include "protocol/structured_fields.hpp"

#include <algorithm>

#include "protocol/encoding.hpp"

namespace tessera::structured_fields {
namespace {

class parser {
public:
  explicit parser(std::string_view input) : in_(input) {
    // RFC 8941 §4.2: leading and trailing spaces are discarded.
    while (!in_.empty() && in_.front() == ' ') in_.remove_prefix(1);
    while (!in_.empty() && in_.back() == ' ') in_.remove_suffix(1);
  }

  // §4.2.2. Later duplicates of a key replace earlier ones, as the RFC says.
  bool parse(dictionary& out) {
    if (in_.empty()) return error("empty dictionary");
    for (;;) {
      std::string key;
      if (!parse_key(key)) return false;
      if (peek() == '=') {
        in_.remove_prefix(1);
        member m;
        if (!item_or_inner_list(m)) return false;
        out[key] = std::move(m);
      } else {
        item flag{{bare_item::kind::boolean, 1, {}}, {}};
        if (!parse_parameters(flag.params)) return false;
        out[key] = std::move(flag);
      }
      skip_ows();
      if (in_.empty()) return true;
      if (peek() != ',') return error("expected ',' after the member " + key);
      in_.remove_prefix(1);
      skip_ows();
      if (in_.empty()) return error("trailing comma");
    }
  }

  const std::string& why() const { return why_; }

private:
  char peek() const { return in_.empty() ? '\0' : in_.front(); }

  bool error(std::string what) {
    why_ = std::move(what);
    return false;
  }

  void skip_ows() {
    while (!in_.empty() && (in_.front() == ' ' || in_.front() == '\t')) in_.remove_prefix(1);
  }

  static bool is_lcalpha(char c) { return c >= 'a' && c <= 'z'; }
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  static bool is_alpha(char c) { return is_lcalpha(c) || (c >= 'A' && c <= 'Z'); }
  static bool is_tchar(char c) {
    return is_alpha(c) || is_digit(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) !=
                                            std::string_view::npos;
  }

  bool item_or_inner_list(member& out) {
    if (peek() == '(') {
      inner_list list;
      if (!parse_inner_list(list)) return false;
      out = std::move(list);
      return true;
    }
    item i;
    if (!parse_bare_item(i.value) || !parse_parameters(i.params)) return false;
    out = std::move(i);
    return true;
  }

  bool parse_inner_list(inner_list& out) {
    in_.remove_prefix(1);  // '('
    for (;;) {
      while (peek() == ' ') in_.remove_prefix(1);
      if (in_.empty()) return error("unterminated inner list");
      if (peek() == ')') {
        in_.remove_prefix(1);
        return parse_parameters(out.params);
      }
      item i;
      if (!parse_bare_item(i.value) || !parse_parameters(i.params)) return false;
      out.items.push_back(std::move(i));
      if (peek() != ' ' && peek() != ')') return error("expected ' ' or ')' in an inner list");
    }
  }

  bool parse_parameters(parameters& out) {
    while (peek() == ';') {
      in_.remove_prefix(1);
      while (peek() == ' ') in_.remove_prefix(1);
      std::string key;
      if (!parse_key(key)) return false;
      bare_item value{bare_item::kind::boolean, 1, {}};
      if (peek() == '=') {
        in_.remove_prefix(1);
        if (!parse_bare_item(value)) return false;
      }
      auto same = [&](const auto& p) { return p.first == key; };
      if (auto it = std::find_if(out.begin(), out.end(), same); it != out.end())
        it->second = std::move(value);
      else
        out.emplace_back(std::move(key), std::move(value));
    }
    return true;
  }

  bool parse_key(std::string& out) {
    if (!is_lcalpha(peek()) && peek() != '*') return error("expected a key");
    while (!in_.empty() && (is_lcalpha(peek()) || is_digit(peek()) ||
                            std::string_view("_-.*").find(peek()) != std::string_view::npos)) {
      out += peek();
      in_.remove_prefix(1);
    }
    return true;
  }

  bool parse_bare_item(bare_item& out) {
    char c = peek();
    if (c == '-' || is_digit(c)) return parse_number(out);
    if (c == '"') return parse_string(out);
    if (c == '*' || is_alpha(c)) return parse_token(out);
    if (c == ':') return parse_bytes(out);
    if (c == '?') return parse_boolean(out);
    return error("expected an item");
  }

  // §4.2.4: at most 15 digits for an integer, 12.3 for a decimal.
  bool parse_number(bare_item& out) {
    bool negative = peek() == '-';
    if (negative) in_.remove_prefix(1);
    if (!is_digit(peek())) return error("expected a digit");
    std::string digits;
    size_t dot = std::string::npos;
    while (!in_.empty() && (is_digit(peek()) || (peek() == '.' && dot == std::string::npos))) {
      if (peek() == '.') {
        if (digits.size() > 12) return error("decimal has too many integer digits");
        dot = digits.size();
      } else {
        digits += peek();
      }
      in_.remove_prefix(1);
      if (dot == std::string::npos ? digits.size() > 15 : digits.size() - dot > 3)
        return error("number has too many digits");
    }
    if (dot == std::string::npos) {
      out.type = bare_item::kind::integer;
      out.integer = std::stoll(digits) * (negative ? -1 : 1);
      return true;
    }
    if (dot == digits.size()) return error("decimal ends with '.'");
    // Canonical form (§4.1.5): no trailing zeros, at least one fractional digit.
    auto fraction = digits.substr(dot);
    while (fraction.size() > 1 && fraction.back() == '0') fraction.pop_back();
    out.type = bare_item::kind::decimal;
    out.text = (negative ? "-" : "") + std::to_string(std::stoll(digits.substr(0, dot))) + "." +
               fraction;
    return true;
  }

  bool parse_string(bare_item& out) {
    in_.remove_prefix(1);  // '"'
    out.type = bare_item::kind::string;
    while (!in_.empty()) {
      char c = peek();
      in_.remove_prefix(1);
      if (c == '"') return true;
      if (c == '\\') {
        if (peek() != '"' && peek() != '\\') return error("bad escape in a string");
        out.text += peek();
        in_.remove_prefix(1);
      } else if (c < 0x20 || c > 0x7e) {
        return error("string holds a character that is not printable ASCII");
      } else {
        out.text += c;
      }
    }
    return error("unterminated string");
  }

  bool parse_token(bare_item& out) {
    out.type = bare_item::kind::token;
    while (!in_.empty() && (is_tchar(peek()) || peek() == ':' || peek() == '/')) {
      out.text += peek();
      in_.remove_prefix(1);
    }
    return true;
  }

  bool parse_bytes(bare_item& out) {
    in_.remove_prefix(1);  // ':'
    auto end = in_.find(':');
    if (end == std::string_view::npos) return error("unterminated byte sequence");
    auto decoded = encoding::base64_decode(in_.substr(0, end));
    if (!decoded) return error("byte sequence is not base64");
    in_.remove_prefix(end + 1);
    out.type = bare_item::kind::bytes;
    out.text = std::move(*decoded);
    return true;
  }

  bool parse_boolean(bare_item& out) {
    in_.remove_prefix(1);  // '?'
    if (peek() != '0' && peek() != '1') return error("expected ?0 or ?1");
    out.type = bare_item::kind::boolean;
    out.integer = peek() == '1';
    in_.remove_prefix(1);
    return true;
  }

  std::string_view in_;
  std::string why_;
};

std::string serialize(const bare_item& v) {
  switch (v.type) {
    case bare_item::kind::integer: return std::to_string(v.integer);
    case bare_item::kind::decimal: return v.text;
    case bare_item::kind::string: return serialize_string(v.text);
    case bare_item::kind::token: return v.text;
    case bare_item::kind::bytes: return ":" + encoding::base64_encode(v.text) + ":";
    case bare_item::kind::boolean: return v.integer ? "?1" : "?0";
  }
  return {};
}

std::string serialize(const parameters& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    out += ';' + key;
    if (value.type != bare_item::kind::boolean || !value.integer) out += '=' + serialize(value);
  }
  return out;
}

}  // namespace

std::optional<dictionary> parse_dictionary(std::string_view input, std::string& why) {
  parser p(input);
  dictionary out;
  if (!p.parse(out)) {
    why = p.why();
    return std::nullopt;
  }
  return out;
}

std::string serialize_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string serialize(const inner_list& list) {
  std::string out = "(";
  for (size_t i = 0; i < list.items.size(); ++i) {
    if (i > 0) out += ' ';
    out += serialize(list.items[i].value) + serialize(list.items[i].params);
  }
  return out + ")" + serialize(list.params);
}

}  // namespace tessera::structured_fields
