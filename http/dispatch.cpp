#include "http/dispatch.hpp"

#include <spdlog/spdlog.h>

#include <cstring>

#include "actors/clock.hpp"
#include "http/access_control.hpp"
#include "http/audit.hpp"
#include "http/limits.hpp"
#include "http/respond.hpp"
#include "protocol/crypto.hpp"
#include "protocol/encoding.hpp"

namespace tessera::http {

namespace {

void apply_cors(const config::server_settings& s, const request& req, response& res) {
  auto origin = req.header("Origin");
  if (origin.empty())
    return;
  for (const auto& allowed : s.cors_origins) {
    if (allowed == "*" || allowed == origin) {
      res.set_header("Access-Control-Allow-Origin", allowed == "*" ? "*" : origin);
      res.set_header("Vary", "Origin");
      res.set_header("Access-Control-Expose-Headers", "X-Request-Id");
      return;
    }
  }
}

}  // namespace

bool valid_request_id(const std::string& id) {
  if (id.empty() || id.size() > 64)
    return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      return false;
  return true;
}

std::string new_request_id() {
  // splitmix64 over a random starting point, one per thread.
  thread_local uint64_t state = [] {
    uint64_t seed = 0;
    auto bytes = crypto::random_bytes(sizeof seed);
    std::memcpy(&seed, bytes.data(), sizeof seed);
    return seed;
  }();
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  static constexpr char digits[] = "0123456789abcdef";
  std::string id(16, '0');
  for (int i = 15; i >= 0; --i, z >>= 4)
    id[i] = digits[z & 15];
  return id;
}

bool answer_before_body(const context& ctx, exchange& x) {
  auto& req = x.req;
  auto& res = x.res;
  x.remote = ctx.limiter->client_of(req);
  x.request_id = req.header("X-Request-Id");
  if (!valid_request_id(x.request_id))
    x.request_id = new_request_id();
  if (auto d = ctx.limiter->take_ip(x.remote, now_ms()); !d.allowed) {
    send_rate_limited(res, d, "too many requests from this address");
    return true;
  }
  apply_cors(ctx.cfg.server, req, res);
  if (req.method == "OPTIONS") {
    if (res.has_header("Access-Control-Allow-Origin")) {
      res.set_header("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS");
      res.set_header("Access-Control-Allow-Headers",
                     "Content-Type, Authorization, Signature, Signature-Input, Content-Digest, "
                     "X-Request-Id, Last-Event-ID");
      res.set_header("Access-Control-Max-Age", "600");
    }
    res.status = 204;
    return true;
  }
  bool path_known = false;
  std::string allowed;
  x.matched = find_route(req.method, req.path, req.path_params, path_known, allowed);
  if (!x.matched) {
    if (path_known) {
      send_error(res, ec::invalid_request, "method not allowed: " + req.method + " " +
                                               encoding::printable(req.path, 200) + " (allowed: " +
                                               allowed + ")");
      res.status = 405;
      res.set_header("Allow", allowed);
    } else {
      send_error(res, ec::not_found,
                 "no route for " + req.method + " " + encoding::printable(req.path, 200));
    }
    return true;
  }
  if (x.matched->accounts && !ctx.cfg.user_auth.enabled) {
    send_error(res, ec::not_found,
               "user accounts are disabled on this server (user_auth.enabled: false)");
    return true;
  }
  return false;
}

task<> answer(const context& ctx, io_worker& io, exchange& x) {
  const auto& r = *x.matched;
  auto& res = x.res;
  call c{ctx, x.req, res, x.who, x.remote, io};
  problem err;
  auto who = co_await authenticate(c, r.policy, err);
  if (who) {
    x.who = std::move(*who);
    if (auto d = ctx.limiter->take_principal(x.who, now_ms()); !d.allowed) {
      send_rate_limited(res, d, "too many requests from " + x.who.id());
      co_return;
    }
    err = co_await authorize(c, r.policy);
  }
  if (err.code != ec::none) {
    send_error(res, err);
    if (res.status == 401)
      res.set_header("WWW-Authenticate", "Bearer realm=\"tessera\"");
  } else {
    try {
      co_await r.fn(c);
    } catch (const std::exception& e) {
      spdlog::error("unhandled exception request_id={} path={} what={}", x.request_id,
                    encoding::printable(x.req.path), e.what());
      res.stream.reset();
      send_error(res, ec::internal, "internal error");
    }
  }
  // Every call of an admin route by someone signed in is on record, refused
  // ones and reads included: who, what, when, and how it ended. (Anonymous
  // probes are not: they would let anyone fill the log.)
  if (r.policy == access::admin && who && x.who.kind != principal::anonymous)
    audit(ctx, "admin_request", x.who.id(), x.req.path, x.remote,
          {{"method", x.req.method}, {"status", res.status}});
}

void log_access(const exchange& x, size_t body_bytes) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::steady_clock::now() - x.start)
                .count();
  // `remote` is the client (behind trusted proxies too), `peer` the socket.
  spdlog::info("http request_id={} remote={} peer={} method={} path={} status={} bytes={} "
               "micros={}",
               x.request_id, encoding::printable(x.remote, 64), x.req.remote_addr,
               encoding::printable(x.req.method, 32), encoding::printable(x.req.path),
               x.res.status, body_bytes, us);
}

}  // namespace tessera::http
