#pragma once
// Thin, safe wrappers over libsodium. Keys and signatures are raw bytes.
#include <cstddef>
#include <string>
#include <string_view>

namespace tessera::crypto {

constexpr size_t public_key_size = 32;
constexpr size_t secret_key_size = 64;  // libsodium form: seed || public key
constexpr size_t seed_size = 32;
constexpr size_t signature_size = 64;

struct key_pair {
  std::string public_key;  // 32 bytes
  std::string secret_key;  // 64 bytes
};

/// Calls sodium_init once; safe to call from any thread, any number of times.
void init();

key_pair generate_key_pair();
/// Deterministic key pair from a 32-byte seed (RFC 8032 private key).
key_pair key_pair_from_seed(std::string_view seed);

std::string sign(std::string_view secret_key, std::string_view message);
bool verify(std::string_view public_key, std::string_view message, std::string_view signature);

std::string sha256(std::string_view data);
std::string random_bytes(size_t n);
/// Constant-time comparison for secrets.
bool equal_constant_time(std::string_view a, std::string_view b);

}  // namespace tessera::crypto
