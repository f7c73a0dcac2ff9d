#include "protocol/community_rules.hpp"

#include <boost/test/unit_test.hpp>

#include "protocol/encoding.hpp"

namespace rules = tessera::community;
using tessera::reputation::event_kind;

BOOST_AUTO_TEST_SUITE(community_rules)

BOOST_AUTO_TEST_CASE(category_ids_are_short_lowercase_slugs) {
  const std::string longest(48, 'x'), too_long(49, 'x');
  for (const std::string& ok : {std::string{"ai"}, std::string{"data-analysis"},
                                std::string{"tools2"}, std::string{"a-b-c"}, longest})
    BOOST_TEST(rules::valid_category_id(ok), ok);
  for (const std::string& bad :
       {std::string{}, std::string{"a"}, std::string{"Data"}, std::string{"data_analysis"},
        std::string{"data analysis"}, std::string{"daté"}, std::string{"a/b"}, too_long})
    BOOST_TEST(!rules::valid_category_id(bad), bad);
  BOOST_TEST(rules::check_category_id("ok-slug").empty());
  BOOST_TEST(rules::check_category_id("Bad").rfind("id: ", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(category_names_and_descriptions_have_limits) {
  BOOST_TEST(rules::check_category_name("Data analysis").empty());
  BOOST_TEST(rules::check_category_name("").rfind("name: expected 1 to 80", 0) == 0u);
  BOOST_TEST(rules::check_category_name(std::string(80, 'n')).empty());
  BOOST_TEST(!rules::check_category_name(std::string(81, 'n')).empty());
  BOOST_TEST(rules::check_category_name("two\nlines") == "name: control characters");
  BOOST_TEST(rules::check_category_description("").empty());
  BOOST_TEST(rules::check_category_description(std::string(500, 'd')).empty());
  BOOST_TEST(rules::check_category_description(std::string(501, 'd')).rfind("description: ", 0) ==
             0u);
}

BOOST_AUTO_TEST_CASE(ratings_are_one_to_five) {
  for (int r = 1; r <= 5; ++r)
    BOOST_TEST(rules::valid_rating(r));
  for (int64_t r : {int64_t{0}, int64_t{6}, int64_t{-1}, int64_t{1} << 40})
    BOOST_TEST(!rules::valid_rating(r));
}

BOOST_AUTO_TEST_CASE(review_text_counts_code_points_not_bytes) {
  // "é" is two bytes, "😀" four: 2000 of either is within the limit.
  std::string accents, emoji;
  for (int i = 0; i < 2000; ++i) {
    accents += "\xC3\xA9";
    emoji += "\xF0\x9F\x98\x80";
  }
  BOOST_TEST(rules::code_points(accents) == 2000u);
  BOOST_TEST(rules::check_review_text(accents).empty());
  BOOST_TEST(rules::check_review_text(emoji).empty());
  BOOST_TEST(rules::check_review_text(accents + "x") ==
             "text: expected 0 to 2000 characters, got 2001");
  BOOST_TEST(rules::check_review_text("").empty());
  BOOST_TEST(rules::check_review_text("line one\nline two\tend").empty());
  BOOST_TEST(rules::check_review_text("bell\a") ==
             "text: control characters (other than newline and tab)");
  BOOST_TEST(rules::check_review_text("\xC3") == "text: not valid UTF-8");
  BOOST_TEST(rules::check_review_text("\xED\xA0\x80") == "text: not valid UTF-8");  // surrogate
}

BOOST_AUTO_TEST_CASE(report_reasons_kinds_and_statuses) {
  for (auto r : {"spam", "abuse", "impersonation", "malicious", "inaccurate", "other"})
    BOOST_TEST(rules::valid_report_reason(r), r);
  for (auto r : {"", "Spam", "fraud"})
    BOOST_TEST(!rules::valid_report_reason(r), r);
  BOOST_TEST(rules::valid_report_target_kind("agent"));
  BOOST_TEST(rules::valid_report_target_kind("review"));
  BOOST_TEST(!rules::valid_report_target_kind("user"));
  for (auto s : {"open", "reviewed", "dismissed", "actioned"})
    BOOST_TEST(rules::valid_report_status(s), s);
  BOOST_TEST(!rules::valid_report_status("closed"));
  // An admin resolves a report; nobody sets it back to open.
  BOOST_TEST(!rules::valid_report_resolution("open"));
  BOOST_TEST(rules::valid_report_resolution("dismissed"));
  BOOST_TEST(rules::check_report_details(std::string(2000, 'd')).empty());
  BOOST_TEST(rules::check_report_details(std::string(2001, 'd')).rfind("details: ", 0) == 0u);
  BOOST_TEST(rules::check_report_note(std::string(2001, 'n')).rfind("note: ", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(ratings_fall_into_three_classes) {
  using rules::review_class;
  BOOST_TEST((rules::class_of(1) == review_class::negative));
  BOOST_TEST((rules::class_of(2) == review_class::negative));
  BOOST_TEST((rules::class_of(3) == review_class::neutral));
  BOOST_TEST((rules::class_of(4) == review_class::positive));
  BOOST_TEST((rules::class_of(5) == review_class::positive));
}

BOOST_AUTO_TEST_CASE(a_first_opinion_credits_its_class) {
  BOOST_TEST((rules::review_credit("", 5) == event_kind::review_positive));
  BOOST_TEST((rules::review_credit("", 4) == event_kind::review_positive));
  BOOST_TEST((rules::review_credit("", 2) == event_kind::review_negative));
  BOOST_TEST((rules::review_credit("", 1) == event_kind::review_negative));
  BOOST_TEST(!rules::review_credit("", 3));
}

BOOST_AUTO_TEST_CASE(only_a_turned_around_opinion_credits_again) {
  // Re-posting the same opinion (even with another star count) farms nothing.
  BOOST_TEST(!rules::review_credit("review_positive", 5));
  BOOST_TEST(!rules::review_credit("review_positive", 4));
  BOOST_TEST(!rules::review_credit("review_negative", 2));
  // Nor does a detour through neutral (5 -> 3 -> 5): what counts is what was
  // credited last, not the rating before.
  BOOST_TEST(!rules::review_credit("review_positive", 3));
  BOOST_TEST(!rules::review_credit("review_positive", 5));
  // A change of mind counts once, as the new class.
  BOOST_TEST((rules::review_credit("review_positive", 1) == event_kind::review_negative));
  BOOST_TEST((rules::review_credit("review_negative", 4) == event_kind::review_positive));
}

BOOST_AUTO_TEST_CASE(page_tokens_round_trip_and_reject_anything_else) {
  std::string id = "rev_0123456789ABCDEFg";
  auto token = rules::page_token(1700000000123, id);
  auto back = rules::parse_page_token(token, "rev_");
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST(back->first == 1700000000123);
  BOOST_TEST(back->second == id);
  BOOST_TEST(!rules::parse_page_token(token, "rep_"));  // another kind of id
  namespace enc = tessera::encoding;
  for (auto bad :
       {std::string{"not base64!"}, enc::base64url_encode("1700."),
        enc::base64url_encode(".rev_0123456789ABCDEFg"),
        enc::base64url_encode("-5.rev_0123456789ABCDEFg"),
        enc::base64url_encode("12x.rev_0123456789ABCDEFg"), enc::base64url_encode("12.rev_short"),
        enc::base64url_encode("12.rev_0123456789ABCDEF'")})
    BOOST_TEST(!rules::parse_page_token(bad, "rev_"), bad);
}

BOOST_AUTO_TEST_SUITE_END()
