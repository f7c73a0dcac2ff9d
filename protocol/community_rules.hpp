#pragma once
// The rules of categories, reviews and reports as pure functions: what a
// valid slug, name, rating, reason or status is, how long texts may be, the
// page tokens of their listings, and which reputation event a review credits.
// Checks return "" when the input is fine, else "field: what is wrong".
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "protocol/reputation.hpp"

namespace tessera::community {

constexpr size_t min_category_id = 2;
constexpr size_t max_category_id = 48;
constexpr size_t max_category_name = 80;          // code points
constexpr size_t max_category_description = 500;  // code points
constexpr size_t max_categories_per_agent = 5;
constexpr size_t max_review_text = 2000;     // code points
constexpr size_t max_report_details = 2000;  // code points
constexpr size_t max_report_note = 2000;     // code points
constexpr size_t max_open_reports_per_user = 20;

/// The number of code points of valid UTF-8 `text`.
size_t code_points(std::string_view text);

/// "" if `text` is valid UTF-8 of min..max code points with no control
/// characters (tab and newline too when `multiline`), else "field: ...".
std::string check_text(std::string_view field, std::string_view text, size_t min, size_t max,
                       bool multiline);

/// A category id: a slug of 2..48 characters a-z, 0-9 and '-'.
bool valid_category_id(std::string_view id);
std::string check_category_id(std::string_view id);
std::string check_category_name(std::string_view name);                // 1..80, one line
std::string check_category_description(std::string_view description);  // 0..500

bool valid_rating(int64_t rating);                     // 1..5
std::string check_review_text(std::string_view text);  // 0..2000, lines allowed

bool valid_report_reason(std::string_view reason);
bool valid_report_target_kind(std::string_view kind);  // agent | review
bool valid_report_status(std::string_view status);     // open | reviewed | dismissed | actioned
/// What an admin may set: every status but open.
bool valid_report_resolution(std::string_view status);
std::string check_report_details(std::string_view details);  // 0..2000, lines allowed
std::string check_report_note(std::string_view note);        // 0..2000, lines allowed

/// The "(expected a, b, c)" lists for error messages.
extern const char* const report_reasons_text;
extern const char* const report_resolutions_text;

/// How a rating counts for the rated agent's reputation.
enum class review_class { negative, neutral, positive };
review_class class_of(int32_t rating);  // <= 2 negative, 3 neutral, >= 4 positive

/// The reputation event a review write credits to the agent, if any:
/// `last_credited` is what this user's review of this agent credited last
/// (review::credited: "" never, else an event kind name), `rating` the one
/// written now. A positive or negative rating credits its event unless that
/// is what was credited last; a neutral one credits nothing. So each user's
/// opinion moves the score once, and again only when it turns around:
/// re-posting, going through a 3 and back, or deleting and posting again
/// (deleted reviews are kept as tombstones for this) can't farm or bomb a
/// score. Deleting credits nothing either: the reputation log is
/// append-only, so the event stays.
std::optional<reputation::event_kind> review_credit(std::string_view last_credited,
                                                    int32_t rating);

/// Page tokens of the newest-first listings: the last row's (time, id),
/// base64url of "<time>.<id>". `id_prefix` is the kind of id made by
/// secret_token::generate_id ("rev_", "rep_"); nullopt when the token was not
/// made by page_token.
std::string page_token(int64_t at, std::string_view id);
std::optional<std::pair<int64_t, std::string>> parse_page_token(std::string_view token,
                                                                std::string_view id_prefix);

}  // namespace tessera::community
