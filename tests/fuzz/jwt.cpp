// Access tokens: any text as a bearer token against a fixed secret. A token that
// verifies has every required claim and is unexpired; its claims signed again verify
// to the same claims. Claims made from the input (printable ASCII) survive
// sign -> verify, and a token with a changed signature does not verify.
#include "fuzz_check.hpp"
#include "protocol/jwt.hpp"

namespace {

using namespace tessera;

constexpr std::string_view secret = "fuzz-secret-0123456789abcdef0123";
constexpr int64_t now = 1'700'000'000;

bool same(const jwt::claims& a, const jwt::claims& b) {
  return a.sub == b.sub && a.role == b.role && a.jti == b.jti && a.iat == b.iat &&
         a.exp == b.exp && a.sid == b.sid;
}

void round_trip(const jwt::claims& c) {
  auto token = jwt::sign(c, secret);
  problem err;
  auto back = jwt::verify(token, secret, now, err);
  FUZZ_CHECK(back.has_value(), err.message);
  FUZZ_CHECK(same(*back, c), token);
  // Another secret, or a changed first signature character, must fail. (Not the last
  // one: its low bits are base64 padding, which decoders may ignore.)
  FUZZ_CHECK(!jwt::verify(token, "another-secret", now, err).has_value(), token);
  auto& first = token[token.rfind('.') + 1];
  first = first == 'A' ? 'Q' : 'A';
  FUZZ_CHECK(!jwt::verify(token, secret, now, err).has_value(), token);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::as_text(data, size);
  problem err;
  auto c = jwt::verify(text, secret, now, err);
  if (c) {
    FUZZ_CHECK(!c->sub.empty() && !c->role.empty() && !c->jti.empty(), "missing claim");
    FUZZ_CHECK(c->iat > 0 && c->exp > now, "bad times");
    round_trip(*c);
  } else {
    FUZZ_CHECK(err.code == ec::invalid_credentials, err.message);
  }

  // Claims from the input: fields separated by '|', printable ASCII only.
  if (!fuzz::printable_ascii(text) || text.size() > 512) return 0;
  std::string fields[4];
  size_t i = 0;
  for (char ch : text) {
    if (ch == '|' && i < 3)
      ++i;
    else
      fields[i] += ch;
  }
  jwt::claims mine{fields[0].empty() ? "u" : fields[0], fields[1].empty() ? "user" : fields[1],
                   fields[2].empty() ? "j" : fields[2], now - 10,
                   now + 1 + static_cast<int64_t>(size), fields[3]};
  round_trip(mine);
  return 0;
}
