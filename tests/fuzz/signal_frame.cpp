// Signaling: a client's text frame after auth (signal::parse), the auth frame
// (signal::parse_auth), and the envelope nodes exchange through Redis
// (envelope_from_json). A frame that parses is forwarded as a JSON object with the
// sender in "from" and parses again (for another recipient) to the same frame; a
// refusal carries one of the documented codes; an envelope re-serialises to itself.
#include "fuzz_check.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/json_body.hpp"
#include "protocol/signal_frame.hpp"
#include "protocol/signaling.hpp"

namespace {

using namespace tessera;

const std::string& self_id() {
  static const std::string id = agent_id::from_public_key(std::string(32, '\x01'));
  return id;
}
const std::string& other_id() {
  static const std::string id = agent_id::from_public_key(std::string(32, '\x02'));
  return id;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::as_text(data, size);

  auto r = signal::parse(text, self_id());
  if (r.ok) {
    FUZZ_CHECK(r.value.doc.is_object(), "not an object");
    if (r.value.type != signal::kind::ping) {
      FUZZ_CHECK(agent_id::is_valid(r.value.to) && r.value.to != self_id(), r.value.to);
    }
    auto out = signal::forwarded(r.value, self_id());
    problem err;
    auto doc = json_body::parse(out, "frame", err);
    FUZZ_CHECK(doc.has_value(), err.message);
    FUZZ_CHECK(doc->is_object() && (*doc)["from"] == self_id(), out);
    FUZZ_CHECK((*doc)["type"] == signal::to_string(r.value.type), out);
    // The target may answer over the same parser: for anyone but the target itself
    // the forwarded frame is the same frame.
    auto again = signal::parse(out, other_id());
    if (r.value.to != other_id()) {
      FUZZ_CHECK(again.ok, again.code + ": " + again.message);
      FUZZ_CHECK(again.value.type == r.value.type && again.value.to == r.value.to, out);
    }
  } else {
    FUZZ_CHECK(r.code == "invalid_frame" || r.code == "unknown_type" ||
                   r.code == "invalid_target",
               r.code);
    FUZZ_CHECK(!r.message.empty(), r.code);
    // The error frame the server would send back is valid JSON.
    problem err;
    auto reply = signal::error(r.code, r.message, r.value.to);
    FUZZ_CHECK(json_body::parse(reply, "error", err).has_value(), err.message);
  }

  auto a = signal::parse_auth(text);
  if (a.ok) {
    FUZZ_CHECK(agent_id::is_valid(a.agent_id) && !a.signature.empty(), a.agent_id);
    FUZZ_CHECK(!signal::check_auth("nonce", a.agent_id, a.signature), "a forged signature");
  } else {
    FUZZ_CHECK(!a.message.empty(), "a refusal without a reason");
  }

  if (auto e = envelope_from_json(text)) {
    auto json = to_json(*e);
    auto back = envelope_from_json(json);
    FUZZ_CHECK(back.has_value(), json);
    FUZZ_CHECK(back->to == e->to && back->from == e->from && back->type == e->type &&
                   back->text == e->text && back->at == e->at && back->hops == e->hops,
               json);
  }
  return 0;
}
