#include "http/server.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "actors/clock.hpp"
#include "http/access_control.hpp"
#include "http/audit.hpp"
#include "http/connection_pool.hpp"
#include "http/limits.hpp"
#include "http/respond.hpp"
#include "http/route_table.hpp"
#include "protocol/crypto.hpp"
#include "protocol/encoding.hpp"

namespace tessera::http {

namespace {

// httplib runs routing, the handler and the logger of one request on one
// worker thread, so the start time can live in a thread_local.
thread_local std::chrono::steady_clock::time_point request_start;
// The client's address, worked out once before routing for the limits and the
// handler (behind trusted proxies it means parsing X-Forwarded-For). The logger
// works it out again: it also runs for requests httplib refuses before routing.
thread_local std::string request_client;

bool valid_request_id(const std::string& id) {
  if (id.empty() || id.size() > 64)
    return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      return false;
  return true;
}

void apply_cors(const config::server_settings& s, const httplib::Request& req,
                httplib::Response& res) {
  auto origin = req.get_header_value("Origin");
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

/// One route through the access middleware: accounts switched on, who is
/// calling, their rate limit, the route's policy; then the handler.
void serve(const context& ctx, const route& r, const httplib::Request& req,
           httplib::Response& res) {
  const auto& remote = request_client;
  if (r.accounts && !ctx.cfg.user_auth.enabled)
    return send_error(res, ec::not_found,
                      "user accounts are disabled on this server (user_auth.enabled: false)");
  problem err;
  auto who = authenticate(ctx, req, r.policy, remote, err);
  if (who) {
    if (auto d = ctx.limiter->take_principal(*who, now_ms()); !d.allowed)
      return send_rate_limited(res, d, "too many requests from " + who->id());
    err = authorize(ctx, req, r.policy, *who);
  }
  if (err.code != ec::none) {
    send_error(res, err);
    if (res.status == 401)
      res.set_header("WWW-Authenticate", "Bearer realm=\"tessera\"");
  } else {
    r.fn(call{ctx, req, res, *who, remote});
  }
  // Every call of an admin route by someone signed in is on record, refused
  // ones and reads included: who, what, when, and how it ended. (Anonymous
  // probes are not: they would let anyone fill the log.)
  if (r.policy == access::admin && who && who->kind != principal::anonymous)
    audit(ctx, "admin_request", who ? who->id() : "", req.path, remote,
          {{"method", req.method}, {"status", res.status}});
}

void add_routes(httplib::Server& svr, const context& ctx) {
  for (const auto& r : route_table()) {
    // The handler copies the context: it is small and immutable.
    auto h = [ctx, &r](const httplib::Request& req, httplib::Response& res) {
      serve(ctx, r, req, res);
    };
    auto pattern = path_pattern(r.path);
    if (r.method == "GET")
      svr.Get(pattern, h);
    else if (r.method == "POST")
      svr.Post(pattern, h);
    else if (r.method == "PUT")
      svr.Put(pattern, h);
    else if (r.method == "DELETE")
      svr.Delete(pattern, h);
    else
      throw std::logic_error("route table: unsupported method " + r.method);
  }
}

void install_middleware(httplib::Server& svr, const context& ctx) {
  const auto& s = ctx.cfg.server;
  auto* limiter = ctx.limiter;
  svr.set_pre_routing_handler([&s, limiter](const httplib::Request& req, httplib::Response& res) {
    request_start = std::chrono::steady_clock::now();
    request_client = limiter->client_of(req);
    auto id = req.get_header_value("X-Request-Id");
    if (!valid_request_id(id))
      id = encoding::hex_encode(crypto::random_bytes(8));
    res.set_header("X-Request-Id", id);
    if (connection_pool::turning_away()) {
      send_error(res, ec::unavailable,
                 "server busy: too many open connections (rate_limit.max_connections); retry");
      res.set_header("Retry-After", "1");
      res.set_header("Connection", "close");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (auto d = limiter->take_ip(request_client, now_ms()); !d.allowed) {
      send_rate_limited(res, d, "too many requests from this address");
      return httplib::Server::HandlerResponse::Handled;
    }
    apply_cors(s, req, res);
    if (req.method == "OPTIONS") {
      if (res.has_header("Access-Control-Allow-Origin")) {
        res.set_header("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS");
        res.set_header("Access-Control-Allow-Headers",
                       "Content-Type, Authorization, Signature, Signature-Input, Content-Digest, "
                       "X-Request-Id");
        res.set_header("Access-Control-Max-Age", "600");
      }
      res.status = 204;
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Runs for every status >= 400. Handlers write their own JSON errors; this
  // fills in the ones httplib produces itself (no route, body too large, ...).
  svr.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty())
      return;
    switch (res.status) {
      case 404:
        send_error(res, ec::not_found, "no route for " + req.method + " " + req.path);
        break;
      case 405:
        send_error(res, ec::invalid_request, "method not allowed");
        break;
      case 413:
        send_error(res, ec::payload_too_large, "body: larger than server.max_body_bytes");
        break;
      default: {
        auto status = res.status;  // keep httplib's status (400, 414, 431, ...)
        send_error(res, status >= 500 ? ec::internal : ec::invalid_request,
                   status >= 500 ? "internal error" : "malformed HTTP request");
        res.status = status;
      }
    }
  });
  svr.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        spdlog::error("unhandled exception request_id={} path={} what={}",
                      res.get_header_value("X-Request-Id"), req.path, what);
        send_error(res, ec::internal, "internal error");
      });
  svr.set_logger([limiter](const httplib::Request& req, const httplib::Response& res) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::steady_clock::now() - request_start)
                  .count();
    // The path only, never the query or headers: they may carry secrets.
    // `remote` is the client (behind trusted proxies too), `peer` the socket.
    spdlog::info("http request_id={} remote={} peer={} method={} path={} status={} bytes={} "
                 "micros={}",
                 res.get_header_value("X-Request-Id"), limiter->client_of(req), req.remote_addr,
                 req.method, req.path, res.status, res.body.size(), us);
  });
}

}  // namespace

bool split_host_port(const std::string& addr, std::string& host, int& port) {
  auto colon = addr.rfind(':');
  if (colon == std::string::npos)
    return false;
  host = addr.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  try {
    size_t used = 0;
    auto text = addr.substr(colon + 1);
    port = std::stoi(text, &used);
    return used == text.size() && port >= 0 && port <= 65535;
  } catch (const std::exception&) {
    return false;
  }
}

server::server(context ctx)
    : ctx_(std::move(ctx)),
      limits_(std::make_unique<limits>(ctx_.cfg)),
      svr_(std::make_unique<httplib::Server>()) {
  ctx_.limiter = limits_.get();
  const auto& s = ctx_.cfg.server;
  auto threads = static_cast<size_t>(std::max(1, s.http_threads));
  auto max_connections = static_cast<size_t>(std::max(1, ctx_.cfg.rate_limit.max_connections));
  svr_->new_task_queue = [threads, max_connections] {
    return new connection_pool(threads, max_connections);
  };
  svr_->set_payload_max_length(s.max_body_bytes);
  // A worker serves one connection at a time: don't let a slow or idle client
  // hold one for long.
  svr_->set_read_timeout(std::chrono::seconds(5));
  svr_->set_keep_alive_timeout(5);
  // httplib writes headers and body separately; without TCP_NODELAY the body
  // waits for the client's delayed ACK (~40 ms per keep-alive request).
  svr_->set_tcp_nodelay(true);
  // httplib's default is SO_REUSEPORT, which lets another process bind the
  // same port and take a share of our connections; SO_REUSEADDR only allows
  // a quick restart.
  svr_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  install_middleware(*svr_, ctx_);
  add_routes(*svr_, ctx_);
}

server::~server() = default;

int server::bind(std::string& why) {
  std::string host;
  int port = 0;
  if (!split_host_port(ctx_.cfg.server.http_addr, host, port)) {
    why = "server.http_addr: expected host:port, got \"" + ctx_.cfg.server.http_addr + "\"";
    return -1;
  }
  if (host.empty())
    host = "0.0.0.0";
  if (!svr_->bind_to_port(host, port)) {
    why = "server.http_addr: cannot listen on " + ctx_.cfg.server.http_addr +
          " (address in use or not available)";
    return -1;
  }
  return port;
}

void server::run() {
  svr_->listen_after_bind();
}

void server::stop() {
  svr_->stop();
}

}  // namespace tessera::http
