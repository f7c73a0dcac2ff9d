// The JSON reader for untrusted text (request bodies, signaling frames, card files):
// whatever it accepts re-serialises to text it accepts again, as the same value, and
// whatever it refuses is refused with an invalid_request problem naming the input.
#include "fuzz_check.hpp"
#include "protocol/json_body.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tessera;
  auto text = fuzz::as_text(data, size);
  problem err;
  auto doc = json_body::parse(text, "body", err);
  if (!doc) {
    FUZZ_CHECK(err.code == ec::invalid_request, err.message);
    FUZZ_CHECK(err.message.rfind("body: ", 0) == 0, err.message);
    return 0;
  }
  // Anything accepted is valid UTF-8 (nlohmann would throw on dump otherwise) ...
  std::string dumped = doc->dump();
  problem again_err;
  auto again = json_body::parse(dumped, "body", again_err);
  FUZZ_CHECK(again.has_value(), again_err.message);
  FUZZ_CHECK(*again == *doc, dumped);
  // ... and dump is a fixed point after one round.
  FUZZ_CHECK(again->dump() == dumped, dumped);
  return 0;
}
