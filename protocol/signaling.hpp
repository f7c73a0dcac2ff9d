#pragma once
// What the signaling actors pass between them (and, through the broker,
// between nodes): one frame on its way to an agent. Registered in
// actors/messages.cpp; the Redis broker serializes it with to_json/from_json.
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tessera {

struct signal_envelope {
  std::string to;    // the agent it is for
  std::string from;  // the authenticated sender (the server's own frames: "")
  std::string type;  // the frame's type (offer, relay_data, notification, error, ...)
  std::string text;  // the frame exactly as the target receives it ("from" already set)
  int64_t at = 0;    // when the sender's node accepted it (ms since the epoch)
  int32_t hops = 0;  // node-to-node forwards so far; a node forwards at most once
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, signal_envelope& x) {
  return f(caf::meta::type_name("signal_envelope"), x.to, x.from, x.type, x.text, x.at, x.hops);
}

/// One JSON object per envelope, for the Redis channels.
std::string to_json(const signal_envelope& e);
std::optional<signal_envelope> envelope_from_json(std::string_view text);

}  // namespace tessera
