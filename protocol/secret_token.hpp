#pragma once
// The secrets Tessera hands out and how they are stored. A secret is a kind
// prefix plus base62 of 32 random bytes; only its SHA-256 (hex) is stored.
//   tsk_  API key        tsr_  refresh token        tsc_  claim token
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/account.hpp"

namespace tessera::secret_token {

constexpr const char* api_key_prefix = "tsk_";
constexpr const char* refresh_prefix = "tsr_";
constexpr const char* claim_prefix = "tsc_";
/// How many characters of an API key (prefix included) listings show.
constexpr size_t shown_prefix_length = 10;

/// prefix + base62(32 random bytes).
std::string generate(std::string_view prefix);
/// A public id: prefix + base62(12 random bytes), e.g. "usr_", "key_", "fam_".
std::string generate_id(std::string_view prefix);

/// Lower-case hex SHA-256 of the whole secret, as stored and looked up.
std::string hash(std::string_view secret);

/// True if `text` has the shape of a secret of this kind (prefix, length,
/// base62 alphabet): a cheap check before any lookup.
bool well_formed(std::string_view text, std::string_view prefix);

/// Base62 (0-9A-Za-z) of `bytes` read as one big-endian number, left-padded
/// with '0' to base62_length(bytes.size()), so every secret (and every id)
/// has the same length: 43 characters for 32 bytes, 17 for 12.
/// True if `text` has the shape of an id made by generate_id(prefix): checked
/// before an id from a path reaches the database.
bool well_formed_id(std::string_view text, std::string_view prefix);

std::string base62_encode(std::string_view bytes);

/// Makes a new secret for `c` (whose kind, user and other fields the caller
/// sets): returns the secret, to be handed out once, and fills in what is kept
/// of it: its hash, a public id with `id_prefix` and created_at = `now_ms`.
std::string issue(credential& c, std::string_view secret_prefix, std::string_view id_prefix,
                  int64_t now_ms);
/// The fixed width of base62_encode for `n` bytes: the fewest digits that
/// hold any n-byte number.
size_t base62_length(size_t n);

}  // namespace tessera::secret_token
