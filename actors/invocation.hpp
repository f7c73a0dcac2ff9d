#pragma once
// One call through the bridge: sends the outbound request (net/outbound_call,
// asynchronously on the caller's I/O context, so a held stream holds no
// thread), answers `start` with the head of the agent's answer and, when the
// answer is an event stream, re-frames it event by event onto the client's
// stream (whole events only, so the connection's keep-alive comments never
// land inside one). Ends when the answer ends, the client goes (`cancel`, or
// a stream that refuses an event) or a limit cuts the call: a streamed answer
// has the outbound call's limits, one that does not stream must be whole
// within the head timeout (bridge.call_timeout).
#include <boost/asio/io_context.hpp>

#include <memory>
#include <vector>

#include "actors/interfaces.hpp"
#include "net/outbound_call.hpp"
#include "protocol/sse.hpp"

namespace tessera {

struct invocation_spec {
  net::outbound::call_request request;
  net::outbound::call_limits limits;
  std::vector<ip_address::range> allow;
  boost::asio::io_context* io = nullptr;  // where the call's socket lives
  stream_sink_ptr sink;                   // where a streamed answer goes
};

struct invocation_state {
  invocation_spec spec;
  std::shared_ptr<net::outbound::outbound_call> call;
  caf::typed_response_promise<bridge::answer_head> promise;
  bool answered = false;  // the head went to the handler
  bridge::answer_head head;
  std::unique_ptr<sse::parser> events;  // set when the answer streams
  std::optional<long> retry_ms;         // the last retry: passed on
  std::string last_id;                  // the last event id passed on
  bool timed_out = false;               // a non-streamed answer missed its deadline
  static inline const char* name = "invocation";
};

invocation_actor::behavior_type invocation(
    invocation_actor::stateful_pointer<invocation_state> self, invocation_spec spec);

}  // namespace tessera
