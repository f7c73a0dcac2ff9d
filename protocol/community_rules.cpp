#include "protocol/community_rules.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "protocol/encoding.hpp"
#include "protocol/secret_token.hpp"

namespace tessera::community {

namespace {

constexpr std::array<std::string_view, 6> reasons = {"spam",      "abuse",      "impersonation",
                                                     "malicious", "inaccurate", "other"};
constexpr std::array<std::string_view, 3> resolutions = {"reviewed", "dismissed", "actioned"};

template <size_t N>
bool one_of(const std::array<std::string_view, N>& set, std::string_view value) {
  return std::find(set.begin(), set.end(), value) != set.end();
}

bool control(unsigned char c, bool multiline) {
  if (multiline && (c == '\n' || c == '\t'))
    return false;
  return c < 0x20 || c == 0x7f;
}

}  // namespace

const char* const report_reasons_text =
    "spam, abuse, impersonation, malicious, inaccurate or other";
const char* const report_resolutions_text = "reviewed, dismissed or actioned";

size_t code_points(std::string_view text) {
  // Continuation bytes (10xxxxxx) don't start a code point.
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string check_text(std::string_view field, std::string_view text, size_t min, size_t max,
                       bool multiline) {
  std::string name{field};
  if (!encoding::valid_utf8(text))
    return name + ": not valid UTF-8";
  auto n = code_points(text);
  if (n < min || n > max)
    return name + ": expected " + std::to_string(min) + " to " + std::to_string(max) +
           " characters, got " + std::to_string(n);
  bool bad = std::any_of(text.begin(), text.end(),
                         [&](char c) { return control(static_cast<unsigned char>(c), multiline); });
  if (bad)
    return name + (multiline ? ": control characters (other than newline and tab)"
                             : ": control characters");
  return "";
}

bool valid_category_id(std::string_view id) {
  if (id.size() < min_category_id || id.size() > max_category_id)
    return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::string check_category_id(std::string_view id) {
  if (valid_category_id(id))
    return "";
  return "id: expected a slug of " + std::to_string(min_category_id) + " to " +
         std::to_string(max_category_id) + " characters a-z, 0-9 and '-', e.g. data-analysis";
}

std::string check_category_name(std::string_view name) {
  return check_text("name", name, 1, max_category_name, false);
}

std::string check_category_description(std::string_view description) {
  return check_text("description", description, 0, max_category_description, false);
}

bool valid_rating(int64_t rating) {
  return rating >= 1 && rating <= 5;
}

std::string check_review_text(std::string_view text) {
  return check_text("text", text, 0, max_review_text, true);
}

bool valid_report_reason(std::string_view reason) {
  return one_of(reasons, reason);
}

bool valid_report_target_kind(std::string_view kind) {
  return kind == "agent" || kind == "review";
}

bool valid_report_status(std::string_view status) {
  return status == "open" || valid_report_resolution(status);
}

bool valid_report_resolution(std::string_view status) {
  return one_of(resolutions, status);
}

std::string check_report_details(std::string_view details) {
  return check_text("details", details, 0, max_report_details, true);
}

std::string check_report_note(std::string_view note) {
  return check_text("note", note, 0, max_report_note, true);
}

review_class class_of(int32_t rating) {
  if (rating >= 4)
    return review_class::positive;
  if (rating <= 2)
    return review_class::negative;
  return review_class::neutral;
}

std::optional<reputation::event_kind> review_credit(std::string_view last_credited,
                                                    int32_t rating) {
  std::optional<reputation::event_kind> kind;
  switch (class_of(rating)) {
    case review_class::positive:
      kind = reputation::event_kind::review_positive;
      break;
    case review_class::negative:
      kind = reputation::event_kind::review_negative;
      break;
    case review_class::neutral:
      return std::nullopt;
  }
  if (kind && reputation::to_string(*kind) == last_credited)
    return std::nullopt;
  return kind;
}

std::string page_token(int64_t at, std::string_view id) {
  return encoding::base64url_encode(std::to_string(at) + "." + std::string{id});
}

std::optional<std::pair<int64_t, std::string>> parse_page_token(std::string_view token,
                                                                std::string_view id_prefix) {
  auto text = encoding::base64url_decode(token);
  if (!text)
    return std::nullopt;
  auto dot = text->find('.');
  if (dot == std::string::npos || dot == 0)
    return std::nullopt;
  int64_t at = 0;
  auto [end, err] = std::from_chars(text->data(), text->data() + dot, at);
  if (err != std::errc{} || end != text->data() + dot || at < 0)
    return std::nullopt;
  std::string id = text->substr(dot + 1);
  if (!secret_token::well_formed_id(id, id_prefix))
    return std::nullopt;
  return std::pair{at, id};
}

}  // namespace tessera::community
