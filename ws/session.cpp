#include "ws/session.hpp"

#include <boost/asio/post.hpp>
#include <caf/all.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "protocol/signal_frame.hpp"

namespace tessera::ws {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;

namespace session_detail {

constexpr auto handshake_timeout = std::chrono::seconds(10);
// A client that doesn't read what it is sent: past either bound it is closed.
constexpr size_t max_queued_frames = 1024;
constexpr size_t max_queued_bytes = 4 * 1024 * 1024;
// The read buffer grows to the largest frame; give big ones back.
constexpr size_t kept_buffer_bytes = 16 * 1024;

std::string error_body(const char* code, const std::string& message) {
  return nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump();
}

/// The peer's socket side: posts to the connection's strand, never blocks.
class strand_sink : public frame_sink {
public:
  strand_sink(std::weak_ptr<session> s, std::shared_ptr<post_gate> gate)
      : session_(std::move(s)), gate_(std::move(gate)) {}

  void send(std::string text) override {
    std::shared_lock lock(gate_->m);
    if (!gate_->open)
      return;
    if (auto s = session_.lock())
      net::post(s->executor(), [s, text = std::move(text)]() mutable { s->send(std::move(text)); });
  }

  void close(uint16_t code, std::string reason) override {
    std::shared_lock lock(gate_->m);
    if (!gate_->open)
      return;
    if (auto s = session_.lock())
      net::post(s->executor(), [s, code, reason = std::move(reason)]() mutable {
        s->close(code, std::move(reason));
      });
  }

  void authenticated() override {
    std::shared_lock lock(gate_->m);
    if (!gate_->open)
      return;
    if (auto s = session_.lock())
      net::post(s->executor(), [s] { s->authenticated(); });
  }

private:
  std::weak_ptr<session> session_;
  std::shared_ptr<post_gate> gate_;
};

}  // namespace session_detail

session::session(net::ip::tcp::socket socket, session_env& env)
    : ws_(std::move(socket)), env_(env) {}

session::~session() {
  // The io_context is going away with this connection still open (stop()'s
  // wait ran out): the peer must still hear that its socket is gone.
  finish();
}

bool session::admit_unauthenticated() {
  std::lock_guard lock(env_.unauthenticated_m);
  auto& count = env_.unauthenticated[client_key_];
  if (count >= env_.cfg.signaling.max_unauthenticated_per_address) {
    if (count == 0)
      env_.unauthenticated.erase(client_key_);
    return false;
  }
  ++count;
  unauthenticated_ = true;
  return true;
}

void session::release_unauthenticated() {
  if (!unauthenticated_)
    return;
  unauthenticated_ = false;
  std::lock_guard lock(env_.unauthenticated_m);
  auto it = env_.unauthenticated.find(client_key_);
  if (it != env_.unauthenticated.end() && --it->second <= 0)
    env_.unauthenticated.erase(it);
}

void session::authenticated() { release_unauthenticated(); }

void session::start(bhttp::request<bhttp::string_body> req, std::string client_key) {
  req_ = std::move(req);
  client_key_ = std::move(client_key);
  // Sockets that connect and never authenticate (or reconnect before the
  // auth timeout) would hold places legitimate agents need.
  if (!admit_unauthenticated()) {
    refuse(bhttp::status::too_many_requests,
           session_detail::error_body(
               "rate_limited",
               "too many unauthenticated signaling connections from this address "
               "(signaling.max_unauthenticated_per_address); authenticate or close some"));
    return;
  }
  if (env_.live.fetch_add(1) >= env_.cfg.signaling.max_connections) {
    env_.live.fetch_sub(1);
    refuse(bhttp::status::service_unavailable,
           session_detail::error_body("unavailable",
                                      "signaling.max_connections reached on this node; retry"));
    return;
  }
  counted_ = true;
  accept();
}

void session::refuse(bhttp::status status, const std::string& body) {
  auto res = std::make_shared<bhttp::response<bhttp::string_body>>(status, req_.version());
  res->set(bhttp::field::server, "tesserad");
  res->set(bhttp::field::content_type, "application/json");
  res->set(bhttp::field::connection, "close");
  res->set(bhttp::field::retry_after, "1");
  res->body() = body;
  res->prepare_payload();
  ws_.next_layer().expires_after(session_detail::handshake_timeout);
  bhttp::async_write(ws_.next_layer(), *res, [self = shared_from_this(), res](beast::error_code, size_t) {
    beast::error_code ignored;
    self->ws_.next_layer().socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  });
}

void session::accept() {
  const auto& s = env_.cfg.signaling;
  ws_.next_layer().expires_never();
  websocket::stream_base::timeout timeouts;
  timeouts.handshake_timeout = session_detail::handshake_timeout;
  timeouts.idle_timeout = std::chrono::milliseconds(s.idle_timeout);
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(bhttp::field::server, "tesserad"); }));
  ws_.read_message_max(s.max_frame_bytes);
  ws_.text(true);
  ws_.async_accept(req_, [self = shared_from_this()](beast::error_code e) {
    self->on_accept(e);
  });
}

void session::on_accept(beast::error_code e) {
  req_ = {};
  if (e) {
    finish();
    return;
  }
  bool stopping;
  {
    std::lock_guard lock(env_.m);
    env_.sessions.emplace(this, weak_from_this());
    stopping = env_.stopping;
  }
  if (stopping) {
    // The server took its list of sessions before this handshake finished.
    close(signal::close_code::going_away, "server stopping");
    read();  // reads until the close completes
    return;
  }
  auto sink = std::make_shared<session_detail::strand_sink>(weak_from_this(), env_.gate);
  const auto& a = env_.actors;
  peer_ = env_.sys.spawn(signaling_peer, std::shared_ptr<frame_sink>(sink), env_.peer_cfg, a.hub,
                         a.readers, a.registry);
  read();
}

void session::read() {
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code e, size_t) {
    self->on_read(e);
  });
}

void session::on_read(beast::error_code e) {
  if (e) {
    finish();
    return;
  }
  if (!closing_) {
    if (!ws_.got_text())
      close(websocket::close_code::unknown_data, "text frames only");
    else
      caf::anon_send(peer_, atom::frame::value, beast::buffers_to_string(buffer_.data()));
  }
  buffer_.consume(buffer_.size());
  if (buffer_.capacity() > session_detail::kept_buffer_bytes)
    buffer_.shrink_to_fit();
  read();
}

void session::send(std::string text) {
  if (closing_ || finished_)
    return;
  queued_bytes_ += text.size();
  queue_.push_back(std::move(text));
  if (queue_.size() > session_detail::max_queued_frames ||
      queued_bytes_ > session_detail::max_queued_bytes) {
    // It won't read them anyway; keep only the frame being written.
    while (queue_.size() > (writing_ ? 1u : 0u)) {
      queued_bytes_ -= queue_.back().size();
      queue_.pop_back();
    }
    spdlog::info("signaling closing a slow consumer: send queue over its bound");
    close(signal::close_code::slow_consumer, "slow consumer: frames not read");
    return;
  }
  if (!writing_)
    write_next();
}

void session::close(uint16_t code, std::string reason) {
  if (closing_ || finished_)
    return;
  closing_ = true;
  if (reason.size() > 123)  // a close frame's payload is at most 125 bytes
    reason.resize(123);
  close_after_queue_.emplace(code, std::move(reason));
  if (!writing_)
    write_next();
}

void session::write_next() {
  if (queue_.empty()) {
    if (close_after_queue_) {
      auto [code, reason] = std::move(*close_after_queue_);
      close_after_queue_.reset();
      ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason),
                      [self = shared_from_this()](beast::error_code e) {
                        if (e) {
                          beast::error_code ignored;
                          self->ws_.next_layer().socket().close(ignored);
                        }
                      });
    }
    return;
  }
  writing_ = true;
  ws_.async_write(net::buffer(queue_.front()), [self = shared_from_this()](beast::error_code e, size_t) {
    self->writing_ = false;
    self->queued_bytes_ -= self->queue_.front().size();
    self->queue_.pop_front();
    if (e) {
      // The read side notices and finishes the session.
      beast::error_code ignored;
      self->ws_.next_layer().socket().close(ignored);
      return;
    }
    self->write_next();
  });
}

void session::finish() {
  if (finished_)
    return;
  finished_ = true;
  release_unauthenticated();
  if (peer_)
    caf::anon_send(peer_, atom::closed::value);
  if (!counted_)
    return;
  std::lock_guard lock(env_.m);
  env_.sessions.erase(this);
  if (env_.live.fetch_sub(1) == 1)
    env_.idle.notify_all();
}

}  // namespace tessera::ws
