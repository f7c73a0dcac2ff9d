#include "protocol/bridge/answer.hpp"

#include <algorithm>

namespace tessera::bridge {

std::string answer_head::header(std::string_view name) const {
  auto same = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
             return lower(x) == lower(y);
           });
  };
  for (size_t i = 0; i + 1 < headers.size(); i += 2)
    if (same(headers[i], name)) return headers[i + 1];
  return {};
}

}  // namespace tessera::bridge
