#include "config/duration.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <string_view>
#include <utility>

namespace tessera::config {

namespace {
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
}  // namespace

std::optional<millis> parse_duration(const std::string& text) {
  // Units largest first; each may appear once and in this order, as format_duration prints them.
  static constexpr std::pair<std::string_view, int64_t> units[] = {
      {"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}, {"ms", 1}};
  std::string_view rest = text;
  int64_t total = 0;
  size_t next_unit = 0;
  if (rest.empty()) return std::nullopt;
  while (!rest.empty()) {
    size_t digits = std::find_if_not(rest.begin(), rest.end(), is_digit) - rest.begin();
    size_t letters =
        std::find_if_not(rest.begin() + digits, rest.end(), is_letter) - rest.begin() - digits;
    int64_t number = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + digits, number);
    bool number_ok = digits > 0 && ec == std::errc() && end == rest.data() + digits;
    std::string_view unit = rest.substr(digits, letters);
    auto found = std::find_if(std::begin(units) + next_unit, std::end(units),
                              [&](const auto& u) { return u.first == unit; });
    if (!number_ok || found == std::end(units)) return std::nullopt;
    if (number > (std::numeric_limits<int64_t>::max() - total) / found->second)
      return std::nullopt;
    total += number * found->second;
    next_unit = found - std::begin(units) + 1;
    rest.remove_prefix(digits + letters);
  }
  return millis(total);
}

std::string format_duration(millis d) {
  if (d.count() == 0) return "0s";
  if (d.count() < 0) return "-" + format_duration(-d);
  static constexpr std::pair<std::string_view, int64_t> units[] = {
      {"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}, {"ms", 1}};
  std::string out;
  int64_t rest = d.count();
  for (const auto& [unit, size] : units) {
    if (rest >= size) out += std::to_string(rest / size) + std::string(unit);
    rest %= size;
  }
  return out;
}

}  // namespace tessera::config
