#pragma once
// Passwords: Argon2id through libsodium's crypto_pwhash_str (the string holds
// salt and parameters), and the rules a new password must meet.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::password {

constexpr size_t min_length = 10;
constexpr size_t max_length = 256;  // bounds the hashing cost of hostile input

struct cost {
  unsigned long long ops = 2;               // crypto_pwhash_OPSLIMIT_INTERACTIVE
  size_t memory = 64 * 1024 * 1024;         // crypto_pwhash_MEMLIMIT_INTERACTIVE
};

/// The libsodium Argon2id string for `pw`. Throws std::runtime_error if
/// libsodium runs out of memory.
std::string hash(std::string_view pw, const cost& c);

/// True if `pw` matches `stored`; constant-time in libsodium. False for a
/// malformed `stored`.
bool verify(std::string_view pw, const std::string& stored);

/// A password that does work, for comparing against when the account does not
/// exist, so a login takes as long either way.
const std::string& decoy_hash(const cost& c);

/// Why `pw` may not be used ("password: at least 10 characters", "password:
/// too common", "password: must not contain the email"), or nullopt if it
/// may. `email` is the account's email.
std::optional<std::string> weakness(std::string_view pw, std::string_view email);

}  // namespace tessera::password
