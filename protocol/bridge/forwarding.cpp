#include "protocol/bridge/forwarding.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>

#include "protocol/encoding.hpp"

namespace tessera::bridge {

namespace {

std::string random_hex(size_t bytes) {
  std::array<unsigned char, 16> raw{};
  randombytes_buf(raw.data(), bytes);
  std::string hex(bytes * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), raw.data(), bytes);
  hex.pop_back();
  return hex;
}

bool lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool all_zero(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '0'; });
}

// version-traceid-parentid-flags: 00-<32 hex>-<16 hex>-<2 hex>, ids not all zero.
bool valid_traceparent(std::string_view t) {
  return t.size() == 55 && t.substr(0, 3) == "00-" && t[35] == '-' && t[52] == '-' &&
         lower_hex(t.substr(3, 32)) && !all_zero(t.substr(3, 32)) && lower_hex(t.substr(36, 16)) &&
         !all_zero(t.substr(36, 16)) && lower_hex(t.substr(53, 2));
}

}  // namespace

std::string caller_header(std::string_view kind, std::string_view id) {
  if (kind == "anonymous" || id.empty()) return "anonymous";
  return std::string(kind) + ":" + std::string(id);
}

std::string next_traceparent(std::string_view incoming) {
  auto trace = valid_traceparent(incoming) ? std::string(incoming.substr(3, 32)) : random_hex(16);
  return "00-" + trace + "-" + random_hex(8) + "-01";
}

bool forwarded_mcp_header(std::string_view name) {
  for (auto allowed : {"Content-Type", "Accept", "MCP-Protocol-Version", "Last-Event-ID"})
    if (encoding::iequals(name, allowed)) return true;
  return false;
}

}  // namespace tessera::bridge
