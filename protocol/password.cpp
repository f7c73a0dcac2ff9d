#include "protocol/password.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "protocol/crypto.hpp"
#include "protocol/encoding.hpp"

namespace tessera::password {

namespace {

// Frequent entries of public breach lists (SecLists, NCSC top 100k) that are
// at least min_length long: anything shorter fails the length rule first, so
// only these can get through it. Lower case; compared case-insensitively.
constexpr std::array<std::string_view, 100> common = {
  "1234567890",   "0987654321",    "12345678910",  "123456789a",   "1234567891",
  "1234554321",   "1111111111",    "0000000000",   "1212121212",   "1231231231",
  "7777777777",   "9999999999",    "5555555555",   "1234512345",   "123123123123",
  "987654321a",   "123456789q",    "a123456789",   "aa12345678",   "abc1234567",
  "abcd123456",   "abcdefghij",    "abcdefg123",   "a1b2c3d4e5",   "1a2b3c4d5e",
  "1q2w3e4r5t",   "1q2w3e4r5t6y",  "q1w2e3r4t5",   "q1w2e3r4t5y6", "qwertyuiop",
  "qwerty1234",   "qwerty12345",   "qwerty123456", "qwertyqwerty", "1qaz2wsx3edc",
  "zaq12wsxcde3", "1qazxsw23edc",  "qazwsxedc1",   "qazwsxedcrfv", "zxcvbnm123",
  "asdfghjkl1",   "asdfasdfasdf",  "123qweasdzxc", "1234qwerasdf", "password12",
  "password123",  "password1234",  "password01",   "password2023", "password2024",
  "passw0rd12",   "p@ssw0rd123",   "passwordpassword", "mypassword", "mypassword1",
  "newpassword",  "passpass12",    "iloveyou12",   "iloveyou123",  "iloveyou1234",
  "iloveyou!!",   "lovelove12",    "ihateyou12",   "letmein123",   "letmein1234",
  "welcome123",   "welcome1234",   "changeme123",  "trustno123",   "secret1234",
  "test123456",   "testtest12",    "administrator", "admin12345",  "admin123456",
  "adminadmin",   "computer12",    "internet12",   "football123",  "baseball123",
  "basketball",   "superman123",   "starwars123",  "sunshine123",  "princess123",
  "dragon1234",   "monkey1234",    "michael123",   "charlie123",   "jennifer12",
  "liverpool1",   "chocolate1",    "butterfly1",   "sunflower1",   "whatever12",
  "pokemon123",   "minecraft1",    "minecraft123", "summer2024",   "football12",
};

constexpr bool all_long_and_lower() {
  for (auto pw : common) {
    if (pw.size() < min_length) return false;
    for (char c : pw)
      if (c >= 'A' && c <= 'Z') return false;
  }
  return true;
}
static_assert(all_long_and_lower(), "common passwords must be lower case and at least min_length");

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Code points, not bytes: a 10-letter password in Cyrillic or Greek is 20
// bytes, and counting bytes would let a 5-letter one pass. Every byte but a
// UTF-8 continuation byte (10xxxxxx) starts a code point.
size_t code_points(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

bool is_common(std::string_view pw) {
  auto lower = ascii_lower(pw);
  return std::find(common.begin(), common.end(), lower) != common.end();
}

bool contains_local_part(std::string_view pw, std::string_view email) {
  auto local = email.substr(0, std::min(email.rfind('@'), email.size()));
  // Shorter local parts ("bo", "al") occur by chance in good passwords.
  if (local.size() < 4) return false;
  return ascii_lower(pw).find(ascii_lower(local)) != std::string::npos;
}

}  // namespace

std::string hash(std::string_view pw, const cost& c) {
  crypto::init();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, pw.data(), pw.size(), c.ops, c.memory,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw std::runtime_error("password: out of memory while hashing");
  return out;
}

bool verify(std::string_view pw, const std::string& stored) {
  // No password longer than max_length can have been set, so it can't match.
  if (pw.size() > max_length) return false;
  crypto::init();
  return crypto_pwhash_str_verify(stored.c_str(), pw.data(), pw.size()) == 0;
}

const std::string& decoy_hash(const cost& c) {
  // std::map keeps references to its values valid across insertions, so the
  // returned reference outlives the lock.
  static std::mutex mutex;
  static std::map<std::pair<unsigned long long, size_t>, std::string> by_cost;
  std::lock_guard lock(mutex);
  auto key = std::make_pair(c.ops, c.memory);
  auto it = by_cost.find(key);
  if (it == by_cost.end())
    it = by_cost.emplace(key, hash(encoding::hex_encode(crypto::random_bytes(16)), c)).first;
  return it->second;
}

std::optional<std::string> weakness(std::string_view pw, std::string_view email) {
  if (pw.size() > max_length) return "password: at most " + std::to_string(max_length) + " bytes";
  if (code_points(pw) < min_length)
    return "password: at least " + std::to_string(min_length) + " characters";
  if (is_common(pw)) return "password: too common";
  if (contains_local_part(pw, email)) return "password: must not contain the email";
  return std::nullopt;
}

}  // namespace tessera::password
