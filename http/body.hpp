#pragma once
// Reading small JSON request bodies: an object with known fields only, and
// bounded strings. Each function writes the 400 itself and returns false (or
// nullopt), so a handler just returns.
#include "http/message.hpp"

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::http {

/// The body as a JSON object whose keys are all in `allowed`.
std::optional<nlohmann::json> read_object(const request& req, response& res,
                                          std::initializer_list<const char*> allowed);

/// `doc[field]` as a string of 1..max bytes without control characters. A
/// missing (or null) optional field leaves `out` unchanged and succeeds.
/// The string `doc[field]` checked by `check` (which answers "" or the message
/// naming the field); absent or null is fine unless `required`. False after
/// the 400 was written.
bool read_text(const nlohmann::json& doc, const char* field, bool required, std::string& out,
               std::string (*check)(std::string_view), response& res);

bool read_string(const nlohmann::json& doc, const char* field, size_t max, bool required,
                 std::string& out, response& res);

/// A query parameter given at most once and at most `max` bytes long, and no
/// parameter outside `allowed`.
bool check_params(const request& req, response& res,
                  std::initializer_list<const char*> allowed, size_t max = 128);

/// Page sizes of the listings that don't set their own.
constexpr int max_page = 200;
constexpr int default_page = 50;

/// ?limit= as 1..max (default `fallback`).
bool read_limit(const request& req, response& res, int max, int fallback,
                int32_t& out);

/// ?before=<seq> (newest-first logs): a positive number, or 0 (from the
/// newest) when absent.
bool read_before_seq(const request& req, response& res, int64_t& out);

/// An email as accounts store it: trimmed, lower case, one '@', a dot in the
/// domain, at most 254 bytes. nullopt after writing the 400.
std::optional<std::string> read_email(const nlohmann::json& doc, response& res);

}  // namespace tessera::http
