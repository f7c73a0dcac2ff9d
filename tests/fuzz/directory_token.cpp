// GET /api/v1/directory: page tokens and query parameters.
//  - The input as a page token, for each sort: a token that decodes re-encodes (from
//    the row it names) to a token that decodes to the same position, and that token
//    is a fixed point of decode -> encode.
//  - The input as a query string (k=v&k=v, first value of a name wins): read_query
//    either refuses naming a parameter or yields a query within its limits.
//  - A row named by the input (valid UTF-8) survives page_token -> read_page_token.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include "fuzz_check.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/directory_token.hpp"
#include "protocol/encoding.hpp"

namespace {

using namespace tessera;
using namespace tessera::directory_token;

constexpr int64_t now_ms = 1'700'000'000'000;
const char* const sorts[] = {"reputation", "name", "registered_at"};

directory_entry row_of(const directory_query& q) {
  directory_entry e;
  e.agent.id = q.after_id;
  e.agent.name = q.after_text;
  e.agent.registered_at = q.after_int;
  e.rank_class = q.after_class;
  e.rank_mag = q.after_mag;
  return e;
}

bool same_position(const directory_query& a, const directory_query& b) {
  return a.has_after == b.has_after && a.after_id == b.after_id &&
         a.after_text == b.after_text && a.after_int == b.after_int &&
         a.after_class == b.after_class &&
         std::memcmp(&a.after_mag, &b.after_mag, sizeof a.after_mag) == 0;
}

void check_token(std::string_view token, const char* sort) {
  directory_query q;
  q.sort = sort;
  auto p = read_page_token(token, q);
  if (p.code != ec::none) {
    FUZZ_CHECK(p.code == ec::invalid_request && p.message.rfind("page_token: ", 0) == 0,
               p.message);
    FUZZ_CHECK(!q.has_after, "a refused token changed the query");
    return;
  }
  FUZZ_CHECK(q.has_after && agent_id::is_valid(q.after_id), q.after_id);
  auto again_token = page_token(sort, row_of(q));
  directory_query again;
  again.sort = sort;
  auto p2 = read_page_token(again_token, again);
  FUZZ_CHECK(p2.code == ec::none, p2.message);
  FUZZ_CHECK(same_position(q, again), again_token);
  FUZZ_CHECK(page_token(sort, row_of(again)) == again_token, again_token);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::as_text(data, size);
  for (const char* sort : sorts) check_token(text, sort);

  std::map<std::string, std::string> values;
  for (std::string_view rest = text; !rest.empty();) {
    auto amp = rest.find('&');
    auto pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    values.emplace(std::string(pair.substr(0, eq)), std::string(pair.substr(eq + 1)));
  }
  directory_query q;
  reputation::reputation_params params;
  auto p = read_query(values, now_ms, params, q);
  if (p.code == ec::none) {
    FUZZ_CHECK(q.limit >= 1 && q.limit <= max_limit, std::to_string(q.limit));
    FUZZ_CHECK(q.sort == "reputation" || q.sort == "name" || q.sort == "registered_at", q.sort);
    FUZZ_CHECK(q.text.size() <= max_text_bytes, q.text);
  } else {
    FUZZ_CHECK(p.code == ec::invalid_request, p.message);
    auto name = p.message.substr(0, p.message.find(':'));
    FUZZ_CHECK(values.count(name) == 1, p.message);
  }

  if (encoding::valid_utf8(text)) {
    directory_entry e;
    e.agent.id = agent_id::from_public_key(std::string(32, '\x05'));
    e.agent.name = std::string(text);
    e.agent.registered_at = static_cast<int64_t>(size) * 1'000'003 - 7;
    e.rank_class = static_cast<int32_t>(size % 3) - 1;
    double mag = 0;
    std::memcpy(&mag, data, std::min(size, sizeof mag));
    e.rank_mag = std::isfinite(mag) ? mag : 0.5;
    for (const char* sort : sorts) {
      auto token = page_token(sort, e);
      directory_query back;
      back.sort = sort;
      auto pb = read_page_token(token, back);
      FUZZ_CHECK(pb.code == ec::none, pb.message);
      FUZZ_CHECK(back.after_id == e.agent.id, token);
      if (std::string_view(sort) == "name") FUZZ_CHECK(back.after_text == e.agent.name, token);
      if (std::string_view(sort) == "registered_at")
        FUZZ_CHECK(back.after_int == e.agent.registered_at, token);
      if (std::string_view(sort) == "reputation")
        FUZZ_CHECK(back.after_class == e.rank_class &&
                       std::memcmp(&back.after_mag, &e.rank_mag, sizeof mag) == 0,
                   token);
    }
  }
  return 0;
}
