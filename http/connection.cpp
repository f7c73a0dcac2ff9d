#include "http/connection.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <ctime>

#include "config/public_url.hpp"
#include "http/connections.hpp"
#include "http/io_worker.hpp"
#include "http/limits.hpp"
#include "http/respond.hpp"
#include "protocol/encoding.hpp"
#include "protocol/http_framing.hpp"
#include "ws/session.hpp"

namespace tessera::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

namespace {

constexpr size_t read_chunk = 16 * 1024;
// After a refusal: how long, and how much, the rest of a request is read
// before the socket closes (closing with unread data sends a reset, which
// can make the client lose the refusal).
constexpr auto linger_time = std::chrono::seconds(1);
constexpr size_t linger_bytes = 256 * 1024;

/// The Date header, formatted once a second per thread.
const std::string& http_date() {
  thread_local std::time_t last = 0;
  thread_local std::string text;
  auto now = std::time(nullptr);
  if (now != last) {
    last = now;
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    text = buf;
  }
  return text;
}

std::string error_json(const std::string& code, const std::string& message) {
  nlohmann::ordered_json body;
  body["error"]["code"] = code;
  body["error"]["message"] = message;
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// The response line and headers of `res`.
std::string head_of(const exchange& x, bool keep_alive, bool streaming) {
  const auto& res = x.res;
  std::string head;
  head.reserve(256);
  head += "HTTP/1.1 ";
  head += std::to_string(res.status);
  head += ' ';
  auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(res.status));
  head.append(reason.data(), reason.size());
  head += "\r\nServer: tesserad\r\nDate: ";
  head += http_date();
  for (const auto& [name, value] : res.headers) {
    head += "\r\n";
    head += name;
    head += ": ";
    head += value;
  }
  if (!x.request_id.empty()) {
    head += "\r\nX-Request-Id: ";
    head += x.request_id;
  }
  if (!streaming) {
    head += "\r\nContent-Length: ";
    head += std::to_string(res.body.size());
  }
  head += keep_alive ? "\r\nConnection: keep-alive\r\n\r\n" : "\r\nConnection: close\r\n\r\n";
  return head;
}

/// A decoded path and query from a target; false when it is not validly encoded.
bool split_target(std::string_view target, request& req, std::string& why) {
  auto q = target.find('?');
  auto path = target.substr(0, q);
  if (!encoding::percent_decode(path, false, req.path)) {
    why = "the path is not validly percent-encoded";
    return false;
  }
  if (q != std::string_view::npos && !parse_query(target.substr(q + 1), req.params)) {
    why = "the query is not validly percent-encoded";
    return false;
  }
  return true;
}

}  // namespace

connection::connection(net::ip::tcp::socket socket, connections& all, io_worker& worker,
                       std::string peer, bool signaling_only)
    : stream_(std::move(socket)),
      all_(all),
      worker_(worker),
      ctx_(all.ctx),
      peer_(std::move(peer)),
      signaling_only_(signaling_only),
      ping_(stream_.get_executor()),
      deadline_(stream_.get_executor()) {}

connection::~connection() {
  if (x_ && x_->res.stream)
    x_->res.stream->finish();
  all_.remove(this);
  if (counted_)
    all_.release(peer_);
  if (refusing_)
    all_.refusing -= 1;
}

void connection::start() {
  all_.add(this, weak_from_this());
  arm_deadline(ctx_.cfg.server.header_timeout);
  read_header();
}

void connection::arm_deadline(std::chrono::milliseconds d) {
  stream_.expires_never();
  deadline_hit_ = false;
  deadline_.expires_after(d);
  deadline_.async_wait([weak = weak_from_this()](beast::error_code e) {
    auto self = weak.lock();
    if (e || !self)
      return;
    self->deadline_hit_ = true;
    beast::error_code ignored;
    self->stream_.socket().cancel(ignored);
  });
}

bool connection::timed_out(const beast::error_code& e) const {
  return e == beast::error::timeout || (deadline_hit_ && e == net::error::operation_aborted);
}

void connection::turn_away(std::string why) {
  // Called on the acceptor's thread, before anything else touches it.
  counted_ = false;
  refusing_ = true;
  all_.refusing += 1;
  worker_.post([self = shared_from_this(), why = std::move(why)]() mutable {
    self->refuse(503, "unavailable", std::move(why));
  });
}

bool connection::body_pending() const {
  return parser_ && !parser_->is_done();
}

// -- reading a request ------------------------------------------------------

void connection::wait_for_request() {
  if (shutting_down_)
    return close_gracefully();
  if (buffer_.size() > 0) {  // pipelined: the next request is here already
    arm_deadline(ctx_.cfg.server.header_timeout);
    return read_header();
  }
  phase_ = phase::idle;
  stream_.expires_after(ctx_.cfg.server.keep_alive_timeout);
  stream_.async_read_some(buffer_.prepare(read_chunk),
                          [self = shared_from_this()](beast::error_code e, size_t n) {
                            self->buffer_.commit(n);
                            if (e || self->shutting_down_)
                              return self->close_now();  // idle: nothing to answer
                            self->arm_deadline(self->ctx_.cfg.server.header_timeout);
                            self->read_header();
                          });
}

void connection::read_header() {
  phase_ = phase::header;
  const auto& s = ctx_.cfg.server;
  if (!parser_) {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(s.max_header_bytes));
    parser_->body_limit(s.max_body_bytes);
  }
  while (buffer_.size() > 0) {
    beast::error_code e;
    auto data = buffer_.data();
    auto used = parser_->put(data, e);
    std::string_view raw(static_cast<const char*>(data.data()), used);
    if (http_framing::folds_a_line(raw))
      return refuse(400, "invalid_request", "a header line is folded (obs-fold)");
    buffer_.consume(used);
    if (e == bhttp::error::need_more)
      break;
    if (e == bhttp::error::header_limit)
      return refuse(431, "header_too_large",
                    "the request line and headers are larger than server.max_header_bytes");
    if (e == bhttp::error::body_limit)  // Content-Length says so already
      return refuse(413, "payload_too_large", "body: larger than server.max_body_bytes");
    if (e)
      return refuse(400, "invalid_request", "malformed HTTP request: " + e.message());
    if (parser_->is_header_done())
      return on_header();
    if (used == 0)
      break;
  }
  if (buffer_.size() > s.max_header_bytes + read_chunk)
    return refuse(431, "header_too_large",
                  "the request line and headers are larger than server.max_header_bytes");
  stream_.async_read_some(buffer_.prepare(read_chunk),
                          [self = shared_from_this()](beast::error_code e, size_t n) {
                            self->buffer_.commit(n);
                            if (self->timed_out(e))
                              return self->refuse(408, "request_timeout",
                                                  "the request headers did not arrive within "
                                                  "server.header_timeout");
                            if (e)
                              return self->close_now();
                            self->read_header();
                          });
}

void connection::on_header() {
  const auto& h = parser_->get();
  if (auto v = http_framing::check(h, ctx_.cfg.server.max_headers); v.status != 0)
    return refuse(v.status, v.code.c_str(), v.message);
  x_ = std::make_unique<exchange>();
  auto& req = x_->req;
  req.method = std::string(h.method_string());
  req.target = std::string(h.target());
  req.remote_addr = peer_;
  std::string why;
  if (!split_target(req.target, req, why))
    return refuse(400, "invalid_request", why);
  req.headers.reserve(16);
  for (const auto& f : h)
    req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  bool signaling = ctx_.cfg.signaling.enabled && req.path == config::signaling_path;
  if (signaling && beast::websocket::is_upgrade(h))
    return upgrade();
  if (signaling_only_) {
    answer_signaling_listener(ctx_, *x_);
    return respond(false);
  }
  if (answer_before_body(ctx_, *x_))
    return respond(!body_pending() && parser_->get().keep_alive());
  read_body();
}

void connection::read_body() {
  if (parser_->is_done())
    return on_body();
  if (phase_ != phase::body) {  // the deadline is for the whole body, not per read
    phase_ = phase::body;
    arm_deadline(ctx_.cfg.server.body_timeout);
  }
  const auto& h = parser_->get();
  if (!h[bhttp::field::expect].empty()) {
    // The client waits for this before it sends the body (curl does, for a
    // second, for bodies over 1 KiB).
    static const std::string go_on = "HTTP/1.1 100 Continue\r\n\r\n";
    parser_->get().erase(bhttp::field::expect);
    net::async_write(stream_, net::buffer(go_on),
                     [self = shared_from_this()](beast::error_code e, size_t) {
                       if (e)
                         return self->close_now();
                       self->read_body();
                     });
    return;
  }
  while (buffer_.size() > 0) {
    beast::error_code e;
    auto used = parser_->put(buffer_.data(), e);
    buffer_.consume(used);
    if (e == bhttp::error::need_more)
      break;
    if (e == bhttp::error::body_limit)
      return refuse(413, "payload_too_large", "body: larger than server.max_body_bytes");
    if (e)
      return refuse(400, "invalid_request", "malformed HTTP body: " + e.message());
    if (parser_->is_done())
      return on_body();
    if (used == 0)
      break;
  }
  stream_.async_read_some(buffer_.prepare(read_chunk),
                          [self = shared_from_this()](beast::error_code e, size_t n) {
                            self->buffer_.commit(n);
                            if (self->timed_out(e))
                              return self->refuse(408, "request_timeout",
                                                  "the request body did not arrive within "
                                                  "server.body_timeout");
                            if (e == net::error::eof && self->parser_->need_eof()) {
                              beast::error_code done;
                              self->parser_->put_eof(done);
                              if (!done)
                                return self->on_body();
                            }
                            if (e)
                              return self->close_now();
                            self->read_body();
                          });
}

void connection::on_body() {
  deadline_.cancel();
  x_->req.body = std::move(parser_->get().body());
  handle();
}

// -- answering ----------------------------------------------------------------

void connection::handle() {
  phase_ = phase::handling;
  stream_.expires_never();
  ++served_;
  auto limit = ctx_.cfg.server.max_requests_per_connection;
  bool keep_alive = parser_->get().keep_alive() && (limit == 0 || served_ < limit);
  http::start(answer(ctx_, worker_, *x_),
        [self = shared_from_this(), keep_alive](std::exception_ptr error) {
          if (error) {
            // answer() catches what handlers throw; this is a bug in it.
            spdlog::error("http: a request ended with an exception request_id={}",
                          self->x_->request_id);
            self->x_->res = response{};
            send_error(self->x_->res, ec::internal, "internal error");
          }
          self->respond(keep_alive && !self->shutting_down_);
        });
}

void connection::respond(bool keep_alive) {
  deadline_.cancel();
  deadline_hit_ = false;
  if (x_->res.stream)
    return start_stream();
  phase_ = phase::writing;
  head_ = head_of(*x_, keep_alive, false);
  stream_.expires_after(ctx_.cfg.server.body_timeout);
  std::array<net::const_buffer, 2> out{net::buffer(head_), net::buffer(x_->res.body)};
  net::async_write(stream_, out,
                   [self = shared_from_this(), keep_alive](beast::error_code e, size_t) {
                     if (e)
                       return self->close_now();
                     self->on_written(keep_alive);
                   });
}

void connection::on_written(bool keep_alive) {
  log_access(*x_, x_->res.body.size());
  x_.reset();
  head_.clear();
  head_.shrink_to_fit();
  if (!keep_alive || shutting_down_)
    return close_gracefully();
  parser_.reset();
  wait_for_request();
}

void connection::refuse(int status, const char* code, std::string message) {
  if (!x_) {
    x_ = std::make_unique<exchange>();
    x_->req.remote_addr = peer_;
    if (parser_ && parser_->is_header_done()) {
      x_->req.method = std::string(parser_->get().method_string());
      x_->req.target = std::string(parser_->get().target());
      x_->req.path = x_->req.target.substr(0, x_->req.target.find('?'));
    }
  }
  x_->remote = peer_;
  if (x_->request_id.empty())
    x_->request_id = new_request_id();
  x_->res = response{};
  x_->res.status = status;
  x_->res.set_content(error_json(code, message), "application/json");
  if (status == 503)
    x_->res.set_header("Retry-After", "1");
  respond(false);
}

// -- WebSocket ----------------------------------------------------------------

void connection::upgrade() {
  phase_ = phase::closing;
  stream_.expires_never();
  x_->res.status = 101;
  x_->remote = peer_;
  log_access(*x_, 0);
  // From here on the socket counts against signaling.max_connections.
  all_.release(peer_);
  counted_ = false;
  auto req = parser_->release();
  auto client = limits::address_key(ctx_.limiter->client_of(x_->req));
  auto session = std::make_shared<ws::session>(stream_.release_socket(), all_.ws);
  session->start(std::move(req), std::move(client));
}

// -- streams (SSE) --------------------------------------------------------------

void connection::start_stream() {
  phase_ = phase::streaming;
  auto& stream = x_->res.stream;
  x_->res.set_header("Content-Type", "text/event-stream");
  x_->res.set_header("Cache-Control", "no-cache");
  x_->res.set_header("X-Accel-Buffering", "no");  // nginx in front: don't buffer it
  stream_out_ = head_of(*x_, false, true) + x_->res.body;
  stream_.expires_after(ctx_.cfg.server.body_timeout);
  writing_ = true;
  net::async_write(stream_, net::buffer(stream_out_),
                   [self = shared_from_this()](beast::error_code e, size_t) {
                     self->writing_ = false;
                     if (e)
                       return self->end_stream(false);
                     beast::error_code ignored;
                     self->stream_.socket().non_blocking(true, ignored);
                     std::weak_ptr<connection> weak = self;
                     auto* w = &self->worker_;
                     self->x_->res.stream->attach([weak, w] {
                       w->post_batched([weak] {
                         if (auto c = weak.lock())
                           c->write_stream();
                       });
                     });
                     self->watch_stream_peer();
                     self->ping_later();
                     self->write_stream();
                   });
  (void)stream;
}

void connection::write_stream() {
  if (phase_ != phase::streaming)
    return;
  if (writing_) {
    // A reader that stopped reading blocks the write; cut it off now rather
    // than when the write times out.
    if (x_->res.stream->overflowed())
      end_stream(true);
    return;
  }
  bool ended = false, overflowed = false;
  x_->res.stream->take(stream_events_, ended, overflowed);
  if (overflowed)
    return end_stream(true);
  if (stream_events_.empty()) {
    if (ended)
      end_stream(false);
    return;
  }
  // Mostly the socket's buffer has room: send at once, in one gather write,
  // without the reactor or a timer (non-blocking since start_stream).
  thread_local std::vector<net::const_buffer> parts;
  parts.clear();
  size_t total = 0;
  for (const auto& ev : stream_events_) {
    parts.emplace_back(net::buffer(*ev));
    total += ev->size();
  }
  beast::error_code e;
  auto sent = stream_.socket().write_some(parts, e);
  if (e && e != net::error::would_block)
    return end_stream(false);
  if (e)
    sent = 0;
  if (sent == total) {
    stream_events_.clear();
    if (ended)
      end_stream(false);
    return;
  }
  // The rest waits for the socket, with a deadline.
  stream_out_.clear();
  for (const auto& ev : stream_events_) {
    auto skip = std::min(sent, ev->size());
    stream_out_.append(*ev, skip);
    sent -= skip;
  }
  stream_events_.clear();
  writing_ = true;
  stream_.expires_after(ctx_.cfg.server.body_timeout);
  net::async_write(stream_, net::buffer(stream_out_),
                   [self = shared_from_this(), ended](beast::error_code e, size_t) {
                     self->writing_ = false;
                     self->stream_out_.clear();
                     if (e || ended)
                       return self->end_stream(false);
                     self->write_stream();
                   });
}

void connection::watch_stream_peer() {
  // The client sends nothing on a stream; a read ends when it goes away.
  buffer_.consume(buffer_.size());
  stream_.socket().async_read_some(buffer_.prepare(1024),
                                   [self = shared_from_this()](beast::error_code e, size_t) {
                                     if (self->phase_ != phase::streaming)
                                       return;
                                     if (e)
                                       return self->end_stream(false);
                                     self->buffer_.consume(self->buffer_.size());
                                     self->watch_stream_peer();
                                   });
}

void connection::ping_later() {
  ping_.expires_after(ctx_.cfg.server.stream_ping_interval);
  ping_.async_wait([self = shared_from_this()](beast::error_code e) {
    if (e || self->phase_ != phase::streaming)
      return;
    if (!self->writing_) {
      self->stream_out_ = ": ping\n\n";
      self->writing_ = true;
      self->stream_.expires_after(self->ctx_.cfg.server.body_timeout);
      net::async_write(self->stream_, net::buffer(self->stream_out_),
                       [self](beast::error_code e, size_t) {
                         self->writing_ = false;
                         if (e)
                           return self->end_stream(false);
                         self->write_stream();
                       });
    }
    self->ping_later();
  });
}

void connection::end_stream(bool overflowed) {
  if (phase_ != phase::streaming)
    return;
  phase_ = phase::closing;
  ping_.cancel();
  if (overflowed) {
    all_.streams_cut_off += 1;
    spdlog::warn("http: closing a stream whose reader fell behind request_id={} remote={} "
                 "(server.stream_queue_bytes)",
                 x_->request_id, x_->remote);
  }
  x_->res.stream->finish();
  log_access(*x_, 0);
  close_now();
}

// -- shutdown and closing -------------------------------------------------------------

void connection::shut_down(const std::string& final_event) {
  shutting_down_ = true;
  switch (phase_) {
    case phase::idle:
      close_now();
      break;
    case phase::header:
      // Connected but not a byte of a request yet: as good as idle.
      if (buffer_.size() == 0 && (!parser_ || !parser_->got_some()))
        close_now();
      break;
    case phase::streaming:
      x_->res.stream->close(final_event);
      break;
    default:
      break;  // the answer in progress is written with Connection: close
  }
}

void connection::close_gracefully() {
  phase_ = phase::closing;
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  stream_.expires_after(linger_time);
  linger();
}

void connection::linger() {
  buffer_.consume(buffer_.size());
  stream_.async_read_some(buffer_.prepare(read_chunk),
                          [self = shared_from_this()](beast::error_code e, size_t n) {
                            self->lingered_ += n;
                            if (e || self->lingered_ > linger_bytes)
                              return self->close_now();
                            self->linger();
                          });
}

void connection::close_now() {
  phase_ = phase::closing;
  ping_.cancel();
  deadline_.cancel();
  if (x_ && x_->res.stream)
    x_->res.stream->finish();
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  stream_.socket().close(ignored);
}

}  // namespace tessera::http
