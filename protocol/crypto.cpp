#include "protocol/crypto.hpp"

#include <sodium.h>

#include <mutex>
#include <stdexcept>

namespace tessera::crypto {
namespace {

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

unsigned char* bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

}  // namespace

void init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialized");
  });
}

key_pair generate_key_pair() {
  init();
  key_pair kp{std::string(public_key_size, '\0'), std::string(secret_key_size, '\0')};
  crypto_sign_ed25519_keypair(bytes(kp.public_key), bytes(kp.secret_key));
  return kp;
}

key_pair key_pair_from_seed(std::string_view seed) {
  init();
  if (seed.size() != seed_size) throw std::invalid_argument("an Ed25519 seed is 32 bytes");
  key_pair kp{std::string(public_key_size, '\0'), std::string(secret_key_size, '\0')};
  crypto_sign_ed25519_seed_keypair(bytes(kp.public_key), bytes(kp.secret_key), bytes(seed));
  return kp;
}

std::string sign(std::string_view secret_key, std::string_view message) {
  init();
  if (secret_key.size() != secret_key_size)
    throw std::invalid_argument("an Ed25519 secret key is 64 bytes");
  std::string sig(signature_size, '\0');
  crypto_sign_ed25519_detached(bytes(sig), nullptr, bytes(message), message.size(),
                               bytes(secret_key));
  return sig;
}

bool verify(std::string_view public_key, std::string_view message, std::string_view signature) {
  init();
  if (public_key.size() != public_key_size || signature.size() != signature_size) return false;
  return crypto_sign_ed25519_verify_detached(bytes(signature), bytes(message), message.size(),
                                             bytes(public_key)) == 0;
}

std::string sha256(std::string_view data) {
  init();
  std::string digest(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(bytes(digest), bytes(data), data.size());
  return digest;
}

std::string random_bytes(size_t n) {
  init();
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  init();
  // The length is not secret (hashes and tokens have fixed sizes); the contents are.
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace tessera::crypto
