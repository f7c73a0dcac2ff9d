#pragma once
// Everything between a parsed request and its handler, in the order it runs:
// the request id, the per-address rate limit, CORS and preflights, the route
// (404/405), the accounts switch -- all decided from the headers alone, before
// a body is read -- then authentication, the caller's rate limit, the route's
// policy, the handler, and the audit of admin calls. The connection owns the
// exchange until the answer is written, and logs it.
#include <chrono>
#include <string>

#include "http/context.hpp"
#include "http/route_table.hpp"

namespace tessera::http {

/// One request and its answer.
struct exchange {
  request req;
  response res;
  principal who;
  std::string remote;      // the client: the peer, or what trusted proxies forwarded
  std::string request_id;  // X-Request-Id, the client's if well-formed
  const route* matched = nullptr;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
};

/// True when `x.res` already holds the answer (a refusal or a preflight);
/// false when the request goes on to `answer` once its body is read.
bool answer_before_body(const context& ctx, exchange& x);

/// The signaling.ws_addr listener serves the WebSocket upgrade only: any other request gets
/// 426 (the signaling path) or 404, naming the WebSocket's URL. In routes_signaling.cpp.
void answer_signaling_listener(const context& ctx, exchange& x);

/// Authenticates, authorizes and runs the handler of `x.matched`.
task<> answer(const context& ctx, io_worker& io, exchange& x);

/// The access log line of an answered exchange: control characters escaped,
/// the path only (never the query or headers: they may carry secrets).
void log_access(const exchange& x, size_t body_bytes);

/// X-Request-Id as clients may choose it: 1..64 of [A-Za-z0-9._-].
bool valid_request_id(const std::string& id);
/// A fresh request id: 16 hex digits from a per-thread generator seeded from
/// the system's random source (unique, not secret; no system call each).
std::string new_request_id();

}  // namespace tessera::http
