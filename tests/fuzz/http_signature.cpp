// RFC 8941 structured fields and RFC 9421 verification with arbitrary headers.
// The input is seven fields separated by '\n':
//   Signature-Input \n Signature \n Content-Digest \n method \n path \n query \n body
// (the body is the rest, newlines included). Checked:
//  - a dictionary that parses re-serialises (per inner list) to text that parses to
//    the same serialisation;
//  - verify() on those headers never crashes and fails with a known code; when it
//    passes, the key id is an agent id and `created` lies within the skew;
//  - a request signed with a fixed key verifies, and fails once the path changes.
#include <array>
#include <variant>

#include "fuzz_check.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/crypto.hpp"
#include "protocol/http_signature.hpp"
#include "protocol/structured_fields.hpp"

namespace {

using namespace tessera;
namespace sf = tessera::structured_fields;

constexpr int64_t now = 1'700'000'000;
constexpr int64_t max_skew = 300;

const crypto::key_pair& fixed_key() {
  static const crypto::key_pair key = [] {
    crypto::init();
    return crypto::key_pair_from_seed(std::string(crypto::seed_size, '\x07'));
  }();
  return key;
}

void check_dictionary(std::string_view text) {
  std::string why;
  auto dict = sf::parse_dictionary(text, why);
  if (!dict) {
    FUZZ_CHECK(!why.empty(), "a refusal without a reason");
    return;
  }
  for (const auto& [name, member] : *dict) {
    const auto* list = std::get_if<sf::inner_list>(&member);
    if (!list) continue;
    std::string once = sf::serialize(*list);
    auto reparsed = sf::parse_dictionary("k=" + once, why);
    FUZZ_CHECK(reparsed.has_value(), once + " -> " + why);
    const auto* again = std::get_if<sf::inner_list>(&reparsed->at("k"));
    FUZZ_CHECK(again != nullptr, once);
    FUZZ_CHECK(sf::serialize(*again) == once, once);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& key = fixed_key();
  auto text = fuzz::as_text(data, size);
  std::array<std::string_view, 7> part{};
  for (size_t i = 0; i < part.size(); ++i) {
    auto nl = i + 1 < part.size() ? text.find('\n') : std::string_view::npos;
    part[i] = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  }
  for (size_t i = 0; i < 3; ++i) check_dictionary(part[i]);

  http_signature::request_view request{part[3], part[4], part[5], part[6],
                                       part[0], part[1], part[2]};
  problem err;
  auto ok = http_signature::verify(request, now, max_skew, err);
  if (ok) {
    FUZZ_CHECK(agent_id::is_valid(ok->key_id), ok->key_id);
    FUZZ_CHECK(ok->created >= now - max_skew && ok->created <= now + max_skew, ok->key_id);
    FUZZ_CHECK(!ok->nonce.empty() && ok->nonce.size() <= http_signature::max_nonce, ok->nonce);
  } else {
    FUZZ_CHECK(err.code == ec::invalid_signature || err.code == ec::invalid_request, err.message);
  }

  // Sign this method, path, query and body ourselves: it must verify.
  auto id = agent_id::from_public_key(key.public_key);
  auto headers = http_signature::sign(part[3], part[4], part[5], part[6], key, id, now, "n0nce");
  http_signature::request_view mine{part[3], part[4], part[5], part[6],
                                    headers.signature_input, headers.signature,
                                    headers.content_digest};
  problem mine_err;
  auto verified = http_signature::verify(mine, now, max_skew, mine_err);
  FUZZ_CHECK(verified.has_value(), mine_err.message);
  FUZZ_CHECK(verified->key_id == id && verified->nonce == "n0nce" && verified->created == now,
             verified->key_id);
  std::string other_path = std::string(part[4]) + "x";
  mine.path = other_path;
  FUZZ_CHECK(!http_signature::verify(mine, now, max_skew, mine_err).has_value(),
             "a changed path still verifies");
  return 0;
}
