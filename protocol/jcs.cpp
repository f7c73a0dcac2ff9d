#include "protocol/jcs.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <utility>
#include <vector>

namespace tessera::jcs {
namespace {

// Largest integer below which every integer is exactly a double, as in JS.
constexpr uint64_t max_safe_integer = uint64_t{1} << 53;

// Decodes UTF-8 into UTF-16 code units; throws on malformed input (I-JSON
// requires valid Unicode, and a key's sort order is undefined without it).
std::u16string to_utf16(const std::string& s) {
  std::u16string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    auto b0 = static_cast<uint8_t>(s[i]);
    size_t len = b0 < 0x80 ? 1 : (b0 & 0xe0) == 0xc0 ? 2 : (b0 & 0xf0) == 0xe0 ? 3
                                                        : (b0 & 0xf8) == 0xf0 ? 4 : 0;
    if (len == 0 || i + len > s.size()) throw std::invalid_argument("string is not valid UTF-8");
    char32_t cp = len == 1 ? b0 : len == 2 ? b0 & 0x1f : len == 3 ? b0 & 0x0f : b0 & 0x07;
    for (size_t k = 1; k < len; ++k) {
      auto b = static_cast<uint8_t>(s[i + k]);
      if ((b & 0xc0) != 0x80) throw std::invalid_argument("string is not valid UTF-8");
      cp = (cp << 6) | (b & 0x3f);
    }
    static constexpr char32_t min_for_length[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_length[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      throw std::invalid_argument("string is not valid UTF-8");
    if (cp >= 0x10000) {
      out += static_cast<char16_t>(0xd800 + ((cp - 0x10000) >> 10));
      out += static_cast<char16_t>(0xdc00 + ((cp - 0x10000) & 0x3ff));
    } else {
      out += static_cast<char16_t>(cp);
    }
    i += len;
  }
  return out;
}

void write_string(const std::string& s, std::string& out) {
  to_utf16(s);  // validates; the bytes themselves are written as they are
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<uint8_t>(c) < 0x20) {
          static constexpr char hex[] = "0123456789abcdef";
          out += "\\u00";
          out += hex[(c >> 4) & 0x0f];
          out += hex[c & 0x0f];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// ECMAScript Number::toString(x) for finite x (ECMA-262 §6.1.6.1.20), with the
// digits taken from the shortest round-trip form that std::to_chars produces.
void write_double(double value, std::string& out) {
  if (!std::isfinite(value)) throw std::invalid_argument("JCS cannot represent NaN or Infinity");
  if (value == 0) {  // covers -0, which ES prints as "0"
    out += '0';
    return;
  }
  if (value < 0) {
    out += '-';
    value = -value;
  }
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));  // d[.ddd]e±xx
  auto e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos))
    if (c != '.') digits += c;
  int exponent = std::atoi(std::string(sci.substr(e_pos + 1)).c_str());
  int k = static_cast<int>(digits.size());
  int n = exponent + 1;  // value = 0.digits × 10^n
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, static_cast<size_t>(n));
    out += '.';
    out += digits.substr(static_cast<size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += 'e';
    out += n - 1 < 0 ? '-' : '+';
    out += std::to_string(std::abs(n - 1));
  }
}

void write(const nlohmann::json& value, std::string& out) {
  using t = nlohmann::json::value_t;
  switch (value.type()) {
    case t::null: out += "null"; break;
    case t::boolean: out += value.get<bool>() ? "true" : "false"; break;
    case t::number_integer: {
      auto v = value.get<int64_t>();
      auto magnitude = v < 0 ? uint64_t(0) - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
      // JS holds every number as a double, so beyond 2^53 print what it would.
      if (magnitude > max_safe_integer) write_double(static_cast<double>(v), out);
      else out += std::to_string(v);
      break;
    }
    case t::number_unsigned: {
      auto v = value.get<uint64_t>();
      if (v > max_safe_integer) write_double(static_cast<double>(v), out);
      else out += std::to_string(v);
      break;
    }
    case t::number_float: write_double(value.get<double>(), out); break;
    case t::string: write_string(value.get_ref<const std::string&>(), out); break;
    case t::array: {
      out += '[';
      bool first = true;
      for (const auto& element : value) {
        if (!first) out += ',';
        first = false;
        write(element, out);
      }
      out += ']';
      break;
    }
    case t::object: {
      // RFC 8785 §3.2.3: order members by the UTF-16 code units of their names,
      // which differs from UTF-8 byte order for characters above U+FFFF.
      std::vector<std::pair<std::u16string, const nlohmann::json::object_t::value_type*>> members;
      members.reserve(value.size());
      for (const auto& member : value.get_ref<const nlohmann::json::object_t&>())
        members.emplace_back(to_utf16(member.first), &member);
      std::sort(members.begin(), members.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      out += '{';
      bool first = true;
      for (const auto& [key, member] : members) {
        if (!first) out += ',';
        first = false;
        write_string(member->first, out);
        out += ':';
        write(member->second, out);
      }
      out += '}';
      break;
    }
    case t::binary: throw std::invalid_argument("JCS cannot represent binary values");
    case t::discarded: throw std::invalid_argument("JCS cannot represent a discarded value");
  }
}

}  // namespace

std::string canonicalize(const nlohmann::json& value) {
  std::string out;
  write(value, out);
  return out;
}

}  // namespace tessera::jcs
