#pragma once
// The socket side of a streamed answer (a Server-Sent Events response), as the
// actor feeding it sees it. Implemented by http/event_stream; thread-safe;
// never blocks. The stream is bounded: an event that does not fit because the
// client does not read closes the stream (send answers false from then on).
#include <caf/allowed_unsafe_message_type.hpp>

#include <memory>
#include <string>

namespace tessera {

/// Text shared by every stream it is sent to (one event, fanned out).
using shared_text = std::shared_ptr<const std::string>;

class stream_sink {
public:
  virtual ~stream_sink() = default;
  /// Queues one event, complete as it goes on the wire ("id: ..\ndata: ..\n\n").
  /// False once the stream is closed (by the client, the server or a full queue).
  virtual bool send(const shared_text& event) = 0;
  /// Queues `last` (may be empty), then ends the response.
  virtual void close(std::string last) = 0;
};

using stream_sink_ptr = std::shared_ptr<stream_sink>;

}  // namespace tessera

// A stream is a handle to this process's sockets: it travels between local
// actors only, never to another node.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tessera::stream_sink_ptr)
