#include "protocol/directory_token.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "protocol/agent_id.hpp"
#include "protocol/encoding.hpp"

using namespace tessera;
using namespace tessera::directory_token;
using params_map = std::map<std::string, std::string>;

namespace {

const reputation::reputation_params defaults;
constexpr int64_t now = 1'700'000'000'000;

const std::string some_id = agent_id::from_public_key(std::string(32, '\x07'));

directory_entry entry(const std::string& name, int64_t registered_at, int32_t cls, double mag) {
  directory_entry e;
  e.agent.id = some_id;
  e.agent.name = name;
  e.agent.registered_at = registered_at;
  e.rank_class = cls;
  e.rank_mag = mag;
  return e;
}

directory_query parsed(const params_map& values) {
  directory_query q;
  auto p = read_query(values, now, defaults, q);
  BOOST_TEST((p.code == ec::none), p.message);
  return q;
}

/// The message of the problem read_query reports (it must report one).
std::string refusal(const params_map& values) {
  directory_query q;
  auto p = read_query(values, now, defaults, q);
  BOOST_TEST((p.code == ec::invalid_request));
  return p.message;
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

std::string token_of(const nlohmann::json& key) { return encoding::base64url_encode(key.dump()); }

}  // namespace

BOOST_AUTO_TEST_SUITE(directory_token)

BOOST_AUTO_TEST_CASE(search_words_keep_letters_and_digits_only) {
  using words = std::vector<std::string>;
  BOOST_TEST(search_words("translate text") == (words{"translate", "text"}));
  BOOST_TEST(search_words("  pdf-to-text, v2 ") == (words{"pdf", "to", "text", "v2"}));
  BOOST_TEST(search_words("\"a\" OR b* NEAR(c d)") == (words{"a", "OR", "b", "NEAR", "c", "d"}));
  BOOST_TEST(search_words("résumé 日本語") == (words{"résumé", "日本語"}));
  BOOST_TEST(search_words("\"*:^()-+").empty());
  BOOST_TEST(search_words("").empty());
}

BOOST_AUTO_TEST_CASE(tokens_round_trip_for_every_sort) {
  // A magnitude with all 53 bits in use: a decimal rendering would have to be exact.
  double mag = std::nextafter(-1234.5678901234567, 0.0);
  auto last = entry("Zoë \"quoted\" agent", 1'700'000'123'456, -1, mag);

  directory_query rep;
  rep.sort = "reputation";
  BOOST_TEST((read_page_token(page_token("reputation", last), rep).code == ec::none));
  BOOST_TEST(rep.has_after);
  BOOST_TEST(rep.after_class == -1);
  BOOST_TEST(std::memcmp(&rep.after_mag, &mag, sizeof mag) == 0);
  BOOST_TEST(rep.after_id == some_id);

  directory_query name;
  name.sort = "name";
  BOOST_TEST((read_page_token(page_token("name", last), name).code == ec::none));
  BOOST_TEST(name.after_text == "Zoë \"quoted\" agent");
  BOOST_TEST(name.after_id == some_id);

  directory_query reg;
  reg.sort = "registered_at";
  BOOST_TEST((read_page_token(page_token("registered_at", last), reg).code == ec::none));
  BOOST_TEST(reg.after_int == 1'700'000'123'456);
  BOOST_TEST(reg.after_id == some_id);
}

BOOST_AUTO_TEST_CASE(a_token_only_serves_its_own_sort) {
  auto token = page_token("name", entry("A", 1, 0, 0));
  auto message = refusal({{"sort", "reputation"}, {"page_token", token}});
  BOOST_TEST(message == "page_token: made for sort=name, not sort=reputation");
  message = refusal({{"page_token", page_token("registered_at", entry("A", 1, 0, 0))}});
  BOOST_TEST(starts_with(message, "page_token: made for sort=registered_at"));
}

BOOST_AUTO_TEST_CASE(malformed_tokens_are_refused) {
  auto good = nlohmann::json{{"sort", "reputation"}, {"id", some_id}, {"class", 1},
                             {"mag", "3ff0000000000000"}};
  directory_query ok;
  BOOST_TEST((read_page_token(token_of(good), ok).code == ec::none));
  BOOST_TEST(ok.after_mag == 1.0);

  std::vector<std::string> bad_tokens = {
      "",
      "not base64!",
      encoding::base64url_encode("not json"),
      encoding::base64url_encode("[1,2]"),
      token_of({{"sort", "reputation"}, {"id", "z6Mkbad"}, {"class", 1}, {"mag", "3ff0000000000000"}}),
      token_of({{"sort", "reputation"}, {"id", some_id}, {"class", 2}, {"mag", "3ff0000000000000"}}),
      token_of({{"sort", "reputation"}, {"id", some_id}, {"class", 18446744073709551615ULL},
                {"mag", "3ff0000000000000"}}),
      token_of({{"sort", "reputation"}, {"id", some_id}, {"class", 1}, {"mag", "3ff00000"}}),
      token_of({{"sort", "reputation"}, {"id", some_id}, {"class", 1}, {"mag", "7ff0000000000000"}}),
      token_of({{"sort", "reputation"}, {"id", some_id}, {"class", 1}, {"mag", 1.0}}),
      token_of({{"sort", "reputation"}, {"id", some_id}, {"class", 1}}),
      token_of({{"sort", "reputation"}, {"id", some_id}, {"class", 1}, {"mag", "3ff0000000000000"},
                {"extra", 1}}),
      token_of({{"sort", "bogus"}, {"id", some_id}}),
      token_of({{"id", some_id}}),
  };
  for (const auto& token : bad_tokens) {
    directory_query q;
    auto p = read_page_token(token, q);
    BOOST_TEST(p.message == "page_token: not a token from a previous page", token);
    BOOST_TEST(!q.has_after);
  }
  directory_query name;
  name.sort = "name";
  BOOST_TEST((read_page_token(token_of({{"sort", "name"}, {"id", some_id}, {"name", 5}}), name)
                  .code == ec::invalid_request));
  directory_query reg;
  reg.sort = "registered_at";
  BOOST_TEST((read_page_token(token_of({{"sort", "registered_at"}, {"id", some_id}, {"at", "x"}}),
                              reg)
                  .code == ec::invalid_request));
}

BOOST_AUTO_TEST_CASE(defaults_and_every_filter) {
  auto q = parsed({});
  BOOST_TEST(q.sort == "reputation");
  BOOST_TEST(q.limit == default_limit);
  BOOST_TEST(q.verified == -1);
  BOOST_TEST(!q.has_min_rank);
  BOOST_TEST(!q.has_after);
  BOOST_TEST(q.text.empty());

  q = parsed({{"skill", "summarize"},
              {"protocol", "mcp"},
              {"status", "online"},
              {"verified", "true"},
              {"category", "data-analysis"},
              {"tag", "nlp"},
              {"q", "  fast, \"pdf\" OR*  "},
              {"sort", "name"},
              {"limit", "100"}});
  BOOST_TEST(q.skill == "summarize");
  BOOST_TEST(q.protocol == "mcp");
  BOOST_TEST(q.status == "online");
  BOOST_TEST(q.verified == 1);
  BOOST_TEST(q.category == "data-analysis");
  BOOST_TEST(q.tag == "nlp");
  BOOST_TEST(q.text == "fast pdf OR");
  BOOST_TEST(q.sort == "name");
  BOOST_TEST(q.limit == 100);
  BOOST_TEST(parsed({{"verified", "false"}}).verified == 0);
  BOOST_TEST(parsed({{"sort", "registered_at"}}).sort == "registered_at");
}

BOOST_AUTO_TEST_CASE(min_score_becomes_the_rank_bound_at_now) {
  for (auto [text, score] : {std::pair{"0", 0.0}, std::pair{"0.5", 0.5}, std::pair{"0.6", 0.6},
                             std::pair{"1", 1.0}}) {
    auto q = parsed({{"min_score", text}});
    auto bound = reputation::min_score_bound(score, now, defaults);
    BOOST_TEST(q.has_min_rank);
    BOOST_TEST(q.min_rank_class == bound.cls);
    BOOST_TEST(q.min_rank_mag == bound.mag);
  }
}

BOOST_AUTO_TEST_CASE(bad_values_are_refused_naming_the_parameter) {
  std::vector<std::pair<params_map, std::string>> cases = {
      {{{"protocol", "smtp"}}, "protocol: "},
      {{{"status", "busy"}}, "status: "},
      {{{"verified", "yes"}}, "verified: "},
      {{{"min_score", "1.5"}}, "min_score: "},
      {{{"min_score", "-0.1"}}, "min_score: "},
      {{{"min_score", "nan"}}, "min_score: "},
      {{{"min_score", "0.5x"}}, "min_score: "},
      {{{"min_score", ""}}, "min_score: "},
      {{{"sort", "score"}}, "sort: "},
      {{{"limit", "0"}}, "limit: "},
      {{{"limit", "101"}}, "limit: "},
      {{{"limit", "ten"}}, "limit: "},
      {{{"q", ""}}, "q: "},
      {{{"q", "\"*()"}}, "q: "},
      {{{"q", std::string(201, 'a')}}, "q: "},
      {{{"skill", std::string(129, 's')}}, "skill: "},
      {{{"tag", "a\x01"}}, "tag: "},
      {{{"category", ""}}, "category: "},
  };
  for (const auto& [values, prefix] : cases)
    BOOST_TEST(starts_with(refusal(values), prefix), prefix);
  BOOST_TEST(parsed({{"q", std::string(200, 'a')}}).text.size() == 200u);
}

BOOST_AUTO_TEST_SUITE_END()
