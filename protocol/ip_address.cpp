#include "protocol/ip_address.hpp"

#include <arpa/inet.h>

#include <algorithm>

namespace tessera::ip_address {

namespace {

constexpr std::array<uint8_t, 12> mapped_prefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
constexpr size_t v4_offset = 12;

bool is_mapped(const std::array<uint8_t, 16>& bytes) {
  return std::equal(mapped_prefix.begin(), mapped_prefix.end(), bytes.begin());
}

std::string_view strip_brackets(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
    return text.substr(1, text.size() - 2);
  return text;
}

std::string_view trim(std::string_view text) {
  auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

/// The bits of byte `index` that lie within the first `prefix_bits` bits.
uint8_t prefix_mask(int prefix_bits, size_t index) {
  int inside = std::clamp(prefix_bits - static_cast<int>(index) * 8, 0, 8);
  return static_cast<uint8_t>(0xff00 >> inside);
}

std::optional<int> parse_prefix(std::string_view digits, int max) {
  if (digits.empty() || digits.size() > 3) return std::nullopt;
  int value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > max) return std::nullopt;
  return value;
}

bool host_bits_clear(const range& r) {
  for (size_t i = 0; i < r.base.bytes.size(); ++i)
    if (r.base.bytes[i] & ~prefix_mask(r.prefix_bits, i)) return false;
  return true;
}

}  // namespace

std::optional<address> parse(std::string_view text) {
  text = strip_brackets(text);
  // inet_pton reads a C string: bound the length, and refuse a NUL, which
  // would end the string early and hide what follows it.
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN || text.find('\0') != std::string_view::npos)
    return std::nullopt;
  std::string c_text(text);
  address a;
  if (inet_pton(AF_INET, c_text.c_str(), a.bytes.data() + v4_offset) == 1) {
    std::copy(mapped_prefix.begin(), mapped_prefix.end(), a.bytes.begin());
    a.v4 = true;
    return a;
  }
  if (inet_pton(AF_INET6, c_text.c_str(), a.bytes.data()) != 1) return std::nullopt;
  // Dual-stack sockets report IPv4 clients as ::ffff:a.b.c.d; treating them
  // as v4 gives one client one name (and one rate-limit key).
  a.v4 = is_mapped(a.bytes);
  return a;
}

std::string to_string(const address& a) {
  char text[INET6_ADDRSTRLEN];
  if (a.v4)
    inet_ntop(AF_INET, a.bytes.data() + v4_offset, text, sizeof text);
  else
    inet_ntop(AF_INET6, a.bytes.data(), text, sizeof text);
  return text;
}

std::optional<range> parse_range(std::string_view text) {
  auto slash = text.find('/');
  auto address_text = text.substr(0, slash);
  auto base = parse(address_text);
  if (!base) return std::nullopt;
  if (slash == std::string_view::npos) return range{*base, 128};
  bool dotted = address_text.find(':') == std::string_view::npos;
  auto bits = parse_prefix(text.substr(slash + 1), dotted ? 32 : 128);
  if (!bits) return std::nullopt;
  range r{*base, dotted ? 96 + *bits : *bits};
  if (!host_bits_clear(r)) return std::nullopt;
  return r;
}

bool contains(const range& r, const address& a) {
  for (size_t i = 0; i < a.bytes.size(); ++i)
    if ((r.base.bytes[i] ^ a.bytes[i]) & prefix_mask(r.prefix_bits, i)) return false;
  return true;
}

bool contains_any(const std::vector<range>& rs, const address& a) {
  return std::any_of(rs.begin(), rs.end(), [&](const range& r) { return contains(r, a); });
}

std::string client_of(std::string_view peer, std::string_view forwarded_for,
                      const std::vector<range>& trusted) {
  auto client = parse(peer);
  if (!client) return std::string(peer);
  // Each proxy appends the address it received from, so the rightmost hops
  // are the most trustworthy; only trusted proxies may speak for the next.
  auto rest = forwarded_for;
  while (!rest.empty() && contains_any(trusted, *client)) {
    auto comma = rest.rfind(',');
    auto hop = parse(trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1)));
    if (!hop) break;
    client = hop;
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
  }
  return to_string(*client);
}

std::string client_key(const std::string& ip) {
  auto a = parse(ip);
  if (!a || a->v4)
    return ip;
  std::fill(a->bytes.begin() + 8, a->bytes.end(), 0);
  return to_string(*a) + "/64";
}

}  // namespace tessera::ip_address
