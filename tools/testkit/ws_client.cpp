// A blocking-API WebSocket client over Beast's asynchronous stream: one I/O
// thread owns the stream (Beast allows one read and one write in flight, and
// answers pings itself), callers post to it and wait; a read loop queues the
// text frames and records how the connection was closed.
#include "tools/testkit/ws_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "protocol/crypto.hpp"
#include "protocol/encoding.hpp"
#include "protocol/signal_frame.hpp"

namespace tessera::testkit {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

struct ws_client::impl {
  net::io_context ioc;
  websocket::stream<tcp::socket> ws{ioc};
  beast::flat_buffer buffer;
  std::thread io;

  mutable std::mutex m;
  std::condition_variable cv;
  std::deque<std::string> frames;
  bool open = false;    // connected and not yet closed
  bool ended = false;   // the read loop saw the end of the connection
  uint16_t code = 0;
  std::string reason;

  void read_loop() {
    ws.async_read(buffer, [this](beast::error_code e, size_t) {
      std::lock_guard lock(m);
      if (e) {
        // A close frame from the server leaves its code in ws.reason().
        if (ws.reason().code != websocket::close_code::none) {
          code = static_cast<uint16_t>(ws.reason().code);
          reason = std::string(ws.reason().reason.c_str());
        }
        open = false;
        ended = true;
        cv.notify_all();
        return;
      }
      if (ws.got_text())
        frames.push_back(beast::buffers_to_string(buffer.data()));
      buffer.consume(buffer.size());
      cv.notify_all();
      read_loop();
    });
  }

  /// Runs `fn(done)` on the I/O thread and waits (bounded) until it calls done.
  template <class Fn>
  bool run_on_io(Fn fn, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    auto p = std::make_shared<std::promise<bool>>();
    auto f = p->get_future();
    net::post(ioc, [fn = std::move(fn), p]() mutable {
      fn([p](bool ok) { p->set_value(ok); });
    });
    if (f.wait_for(limit) != std::future_status::ready)
      return false;
    return f.get();
  }
};

ws_client::ws_client() : impl_(std::make_unique<impl>()) {}

ws_client::~ws_client() {
  if (!impl_->io.joinable())
    return;
  if (!closed())
    close(1000);
  impl_->ioc.stop();
  impl_->io.join();
}

bool ws_client::connect(int port, const std::string& target, int* http_status) {
  if (http_status)
    *http_status = 0;
  auto& ws = impl_->ws;
  beast::error_code e;
  tcp::endpoint ep(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
  beast::get_lowest_layer(ws).connect(ep, e);
  if (e)
    return false;
  // The asynchronous handshake, run here: the synchronous one leaves `res`
  // empty when the server refuses the upgrade, and the status is wanted then.
  websocket::response_type res;
  ws.async_handshake(res, "127.0.0.1:" + std::to_string(port), target,
                     [&e](beast::error_code done) { e = done; });
  impl_->ioc.run();
  impl_->ioc.restart();
  if (e) {
    if (http_status)
      *http_status = static_cast<int>(res.result_int());
    beast::error_code ignored;
    beast::get_lowest_layer(ws).close(ignored);
    return false;
  }
  ws.text(true);
  {
    std::lock_guard lock(impl_->m);
    impl_->open = true;
  }
  impl_->read_loop();
  impl_->io = std::thread([this] { impl_->ioc.run(); });
  return true;
}

bool ws_client::send(const std::string& text) {
  if (closed())
    return false;
  auto message = std::make_shared<std::string>(text);
  return impl_->run_on_io([this, message](auto done) {
    impl_->ws.async_write(net::buffer(*message), [message, done](beast::error_code e, size_t) {
      done(!e);
    });
  });
}

std::optional<std::string> ws_client::receive(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->m);
  impl_->cv.wait_for(lock, timeout, [&] { return !impl_->frames.empty() || impl_->ended; });
  if (impl_->frames.empty())
    return std::nullopt;
  auto text = std::move(impl_->frames.front());
  impl_->frames.pop_front();
  return text;
}

std::optional<nlohmann::json> ws_client::receive_json(std::chrono::milliseconds timeout) {
  auto text = receive(timeout);
  if (!text)
    return std::nullopt;
  auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded())
    return std::nullopt;
  return doc;
}

std::optional<nlohmann::json> ws_client::receive_type(const std::string& type,
                                                      std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return std::nullopt;
    auto doc = receive_json(left);
    if (!doc) {
      if (closed())
        return std::nullopt;
      continue;
    }
    if (doc->is_object() && doc->value("type", "") == type)
      return doc;
  }
}

bool ws_client::wait_closed(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->m);
  return impl_->cv.wait_for(lock, timeout, [&] { return impl_->ended; });
}

bool ws_client::closed() const {
  std::lock_guard lock(impl_->m);
  return !impl_->open;
}

uint16_t ws_client::close_code() const {
  std::lock_guard lock(impl_->m);
  return impl_->code;
}

std::string ws_client::close_reason() const {
  std::lock_guard lock(impl_->m);
  return impl_->reason;
}

void ws_client::close(uint16_t code) {
  if (closed())
    return;
  impl_->run_on_io([this, code](auto done) {
    impl_->ws.async_close(websocket::close_reason(code), [done](beast::error_code e) { done(!e); });
  });
  wait_closed(std::chrono::seconds(5));
  std::lock_guard lock(impl_->m);
  impl_->open = false;
}

void ws_client::drop() {
  if (impl_->io.joinable()) {
    impl_->run_on_io([this](auto done) {
      beast::error_code ignored;
      beast::get_lowest_layer(impl_->ws).shutdown(tcp::socket::shutdown_both, ignored);
      beast::get_lowest_layer(impl_->ws).close(ignored);
      done(true);
    });
  }
  std::lock_guard lock(impl_->m);
  impl_->open = false;
}

std::optional<nlohmann::json> authenticate(ws_client& c, const std::string& agent_id,
                                           const std::string& secret_key, std::string* why) {
  auto fail = [&](const std::string& what) -> std::optional<nlohmann::json> {
    if (why)
      *why = what;
    return std::nullopt;
  };
  auto challenge = c.receive_json();
  if (!challenge || !challenge->is_object() || challenge->value("type", "") != "challenge" ||
      !(*challenge)["nonce"].is_string())
    return fail("no challenge frame: " + (challenge ? challenge->dump() : std::string("nothing")) +
                (c.closed() ? " (closed " + std::to_string(c.close_code()) + ")" : ""));
  auto nonce = (*challenge)["nonce"].get<std::string>();
  auto signature = crypto::sign(secret_key, signal::auth_message(nonce, agent_id));
  nlohmann::json auth{{"type", "auth"},
                      {"agent_id", agent_id},
                      {"signature", encoding::base64url_encode(signature)}};
  if (!c.send_json(auth))
    return fail("the connection closed before the auth frame");
  auto config = c.receive_json();
  if (!config || !config->is_object() || config->value("type", "") != "config")
    return fail("no config frame: " + (config ? config->dump() : std::string("nothing")) +
                (c.closed() ? " (closed " + std::to_string(c.close_code()) + " " +
                                  c.close_reason() + ")"
                            : ""));
  return config;
}

}  // namespace tessera::testkit
