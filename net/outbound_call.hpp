#pragma once
// Outbound calls whose answers may stream (the bridge's calls to agents):
// asynchronous on an io_context, so a held stream holds no thread. Where a call
// may go is checked as for fetch (net/outbound_target.hpp): the host resolved
// once, every address checked, the connection made to a checked address, the
// Host header and TLS name (SNI and certificate) from the URL. Redirects are
// refused (a 3xx ends the call as redirect_refused, its body unread); no proxy.
// Any other status is the caller's to judge: the head and body are passed on.
// Bounded: the head within head_timeout of the start, the whole body within
// max_duration, no silence longer than idle_timeout while the body streams, and
// at most max_body_bytes of body (as decoded, chunked or not).
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/outbound_target.hpp"

namespace tessera::net::outbound {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct call_request {
  std::string method = "POST";
  std::string url;
  header_list headers;  // Host and Content-Length are the call's
  std::string body;
};

struct call_limits {
  std::chrono::milliseconds head_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds max_duration{600'000};
  size_t max_body_bytes = 16u << 20;
};

struct response_head {
  int status = 0;
  header_list headers;
  /// The first header of that name (ASCII case-insensitive), "" if none.
  std::string header(std::string_view name) const;
};

/// What a call reports, on a thread of its io_context and one at a time:
/// on_head once (unless the call fails first), on_body for each piece of the
/// body as it arrives, then on_end exactly once (code none: the body ended).
struct call_events {
  std::function<void(const response_head&)> on_head;
  std::function<void(std::string_view)> on_body;
  std::function<void(const failure&)> on_end;
};

class outbound_call {
public:
  virtual ~outbound_call() = default;
  /// Ends the call, from any thread: on_end reports `cancelled` unless the
  /// call had ended already.
  virtual void cancel() = 0;
};

/// Starts a call on `io`. `allow` (security.allow_cidrs, parsed) opens blocked
/// addresses. A URL that is not allowed ends the call at once (on_end, on io).
std::shared_ptr<outbound_call> start_call(boost::asio::io_context& io, call_request request,
                                          const call_limits& limits,
                                          const std::vector<ip_address::range>& allow,
                                          call_events events);

}  // namespace tessera::net::outbound
