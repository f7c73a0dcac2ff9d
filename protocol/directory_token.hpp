#pragma once
// GET /api/v1/directory's query parameters as a directory_query, and its page
// tokens, as pure functions (the route only gathers the parameters).
//
// A page token is base64url of a small JSON object naming the sort and the
// last row's sort key and id. The reputation key's magnitude travels as the
// hex of its IEEE-754 bits: the next page must start exactly after that key,
// and a decimal rendering could land on a neighbouring double.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/directory.hpp"
#include "protocol/errors.hpp"
#include "protocol/reputation.hpp"

namespace tessera::directory_token {

inline constexpr size_t max_text_bytes = 200;   // q
inline constexpr size_t max_value_bytes = 128;  // skill, tag, category
inline constexpr int32_t max_limit = 100;
inline constexpr int32_t default_limit = 20;

/// The words of a full-text query: maximal runs of ASCII letters and digits
/// and non-ASCII (UTF-8) bytes. Everything else separates words, so quotes,
/// operators and wildcards never reach the search engine as syntax.
std::vector<std::string> search_words(std::string_view text);

/// The token for the page after `last`, in `sort` order.
std::string page_token(const std::string& sort, const directory_entry& last);

/// Sets q.has_after and the after_* fields of q.sort from `token`. A problem
/// naming page_token when it is malformed or was made for another sort.
problem read_page_token(std::string_view token, directory_query& q);

/// Reads the parameters (name -> value; the caller has refused unknown and
/// repeated ones) into `q`: filters, q as space-separated words, min_score as
/// a rank bound at `now_ms` under `params`, sort, limit and page_token. A
/// problem naming the parameter on bad input; code ec::none otherwise.
problem read_query(const std::map<std::string, std::string>& values, int64_t now_ms,
                   const reputation::reputation_params& params, directory_query& q);

}  // namespace tessera::directory_token
