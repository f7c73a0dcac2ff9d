#pragma once
// Byte-string encodings used on the wire. All functions take and return raw
// bytes in std::string; decoders return nullopt on any malformed input.
#include <optional>
#include <string>
#include <string_view>

namespace tessera::encoding {

std::string base64_encode(std::string_view bytes);  // RFC 4648 §4, padded
std::optional<std::string> base64_decode(std::string_view text);

std::string base64url_encode(std::string_view bytes);  // RFC 4648 §5, no padding
std::optional<std::string> base64url_decode(std::string_view text);  // rejects padding

std::string base58btc_encode(std::string_view bytes);  // Bitcoin alphabet
std::optional<std::string> base58btc_decode(std::string_view text);

std::string hex_encode(std::string_view bytes);

/// ASCII case-insensitive equality (header names and the like).
bool iequals(std::string_view a, std::string_view b);

/// True if `text` is well-formed UTF-8 (no overlong forms, surrogates or code
/// points above U+10FFFF).
bool valid_utf8(std::string_view text);

/// Percent-decodes `text`; in a query, '+' is a space. False when a '%' is
/// not followed by two hex digits.
bool percent_decode(std::string_view text, bool plus_is_space, std::string& out);

/// Client input for a log line: control characters, quotes, backslashes and
/// spaces as \xNN (a decoded path with %0A can't forge a line), cut at `max`.
std::string printable(std::string_view text, size_t max = 512);

}  // namespace tessera::encoding
