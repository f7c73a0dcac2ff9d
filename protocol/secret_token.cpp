#include "protocol/secret_token.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "protocol/crypto.hpp"
#include "protocol/encoding.hpp"

namespace tessera::secret_token {

namespace {

constexpr std::string_view alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr size_t secret_bytes = 32;
constexpr size_t id_bytes = 12;

bool is_base62(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

std::string with_prefix(std::string_view prefix, size_t random_size) {
  return std::string(prefix) + base62_encode(crypto::random_bytes(random_size));
}

}  // namespace

size_t base62_length(size_t n) {
  // 8n / log2(62) is never a whole number for n > 0 (log2(62) is
  // irrational), so rounding up is exact.
  return static_cast<size_t>(std::ceil(static_cast<double>(n) * 8.0 / std::log2(62.0)));
}

std::string base62_encode(std::string_view bytes) {
  // Schoolbook base conversion, least significant digit first; inputs are a
  // few dozen bytes, so the quadratic cost does not matter.
  std::vector<uint8_t> digits;
  for (unsigned char byte : bytes) {
    unsigned carry = byte;
    for (auto& d : digits) {
      carry += static_cast<unsigned>(d) * 256;
      d = static_cast<uint8_t>(carry % 62);
      carry /= 62;
    }
    for (; carry > 0; carry /= 62) digits.push_back(static_cast<uint8_t>(carry % 62));
  }
  std::string out(base62_length(bytes.size()), '0');
  for (size_t i = 0; i < digits.size(); ++i) out[out.size() - 1 - i] = alphabet[digits[i]];
  return out;
}

std::string generate(std::string_view prefix) {
  return with_prefix(prefix, secret_bytes);
}

std::string generate_id(std::string_view prefix) {
  return with_prefix(prefix, id_bytes);
}

std::string hash(std::string_view secret) {
  return encoding::hex_encode(crypto::sha256(secret));
}

bool well_formed(std::string_view text, std::string_view prefix) {
  if (!text.starts_with(prefix)) return false;
  auto body = text.substr(prefix.size());
  return body.size() == base62_length(secret_bytes) && std::all_of(body.begin(), body.end(), is_base62);
}

bool well_formed_id(std::string_view text, std::string_view prefix) {
  if (!text.starts_with(prefix)) return false;
  auto body = text.substr(prefix.size());
  return body.size() == base62_length(id_bytes) && std::all_of(body.begin(), body.end(), is_base62);
}

std::string issue(credential& c, std::string_view secret_prefix, std::string_view id_prefix,
                  int64_t now_ms) {
  auto secret = generate(secret_prefix);
  c.hash = hash(secret);
  c.id = generate_id(id_prefix);
  c.created_at = now_ms;
  return secret;
}

}  // namespace tessera::secret_token
