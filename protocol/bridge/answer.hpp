#pragma once
// The start of an agent's answer to a call through the bridge, as the
// invocation actor hands it to the handler: the status and headers, and the
// whole body when it is not streamed (a streamed one goes on as events).
// Or why there is no answer: the outbound error (timeout, address_blocked, ...).
#include <caf/meta/type_name.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace tessera::bridge {

struct answer_head {
  int status = 0;
  std::vector<std::string> headers;  // name, value, name, value, ...
  std::string body;                  // the whole answer when not streamed
  bool streamed = false;             // the rest comes on the call's stream
  std::string error;                 // "" or the outbound error code, e.g. "timeout"
  std::string message;               // what went wrong, for the caller and the log

  /// The first header of that name (ASCII case-insensitive), "" if none.
  std::string header(std::string_view name) const;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, answer_head& x) {
  return f(caf::meta::type_name("answer_head"), x.status, x.headers, x.body, x.streamed, x.error,
           x.message);
}

}  // namespace tessera::bridge
