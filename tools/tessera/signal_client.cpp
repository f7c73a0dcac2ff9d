#include "signal_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <charconv>
#include <chrono>
#include <deque>

#include "protocol/crypto.hpp"
#include "protocol/encoding.hpp"
#include "protocol/signal_frame.hpp"

namespace tessera::cli {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

std::optional<ws_url> parse_ws_url(std::string_view text, std::string& err) {
  auto fail = [&](const std::string& why) -> std::optional<ws_url> {
    err = why;
    return std::nullopt;
  };
  if (text.starts_with("wss://"))
    return fail("wss:// is not supported by tessera connect; use a ws:// URL (or TLS in front)");
  if (!text.starts_with("ws://"))
    return fail("expected a ws:// URL, got \"" + std::string(text) + "\"");
  text.remove_prefix(5);
  auto slash = text.find_first_of("/?");
  std::string_view authority = text.substr(0, slash);
  ws_url url;
  url.target = slash == std::string_view::npos ? "/" : std::string(text.substr(slash));
  if (url.target.starts_with('?'))
    url.target.insert(0, "/");
  std::string_view port;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      return fail("unclosed [ in the host of the URL");
    url.host = std::string(authority.substr(1, close - 1));
    auto rest = authority.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':'))
      return fail("unexpected text after the IPv6 address in the URL");
    if (!rest.empty())
      port = rest.substr(1);
  } else {
    auto colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos)
      port = authority.substr(colon + 1);
  }
  if (url.host.empty())
    return fail("the URL has no host");
  int number = 80;
  if (!port.empty()) {
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (ec != std::errc() || end != port.data() + port.size() || number < 1 || number > 65535)
      return fail("the URL's port must be a number between 1 and 65535");
  }
  url.port = std::to_string(number);
  url.host_header = std::string(authority);
  return url;
}

struct signal_client::session : std::enable_shared_from_this<session> {
  enum class phase { connecting, challenge, auth_sent, ready, closing, done };

  tcp::resolver resolver;
  websocket::stream<beast::tcp_stream> ws;
  beast::flat_buffer buffer;
  net::steady_timer auth_deadline;
  std::deque<std::string> outbox;
  bool writing = false;
  bool upgraded = false;
  std::optional<uint16_t> close_wanted;
  phase at = phase::connecting;
  ws_url url;
  const agent_key& key;
  handlers h;

  session(net::io_context& io, ws_url u, const agent_key& k, handlers hs)
      : resolver(io), ws(io), auth_deadline(io), url(std::move(u)), key(k), h(std::move(hs)) {}

  void start() {
    // The whole way to the config frame is bounded; the server itself allows
    // signaling.auth_timeout (5 s by default) for the auth part.
    auth_deadline.expires_after(20s);
    auth_deadline.async_wait([self = shared_from_this()](beast::error_code e) {
      if (!e && self->at < phase::ready)
        self->fail("no config frame from the server within 20 s");
    });
    resolver.async_resolve(url.host, url.port,
                           [self = shared_from_this()](beast::error_code e,
                                                       tcp::resolver::results_type found) {
                             self->on_resolve(e, found);
                           });
  }

  void on_resolve(beast::error_code e, const tcp::resolver::results_type& found) {
    if (at == phase::done)
      return;
    if (e)
      return fail("cannot resolve " + url.host + ": " + e.message());
    beast::get_lowest_layer(ws).expires_after(10s);
    beast::get_lowest_layer(ws).async_connect(
        found, [self = shared_from_this()](beast::error_code e, const tcp::endpoint&) {
          self->on_connect(e);
        });
  }

  void on_connect(beast::error_code e) {
    if (at == phase::done)
      return;
    if (e)
      return fail("cannot connect to " + url.host_header + ": " + e.message());
    beast::get_lowest_layer(ws).expires_never();
    // Beast's own timers from here: the upgrade and the close handshake are
    // bounded, and a silent server is pinged before it counts as gone.
    ws.set_option(websocket::stream_base::timeout{10s, 30s, true});
    auto res = std::make_shared<websocket::response_type>();
    ws.async_handshake(*res, url.host_header, url.target,
                       [self = shared_from_this(), res](beast::error_code e) {
                         self->on_upgrade(e, *res);
                       });
  }

  void on_upgrade(beast::error_code e, const websocket::response_type& res) {
    if (at == phase::done)
      return;
    if (e) {
      if (res.result_int() != 0 && res.result() != beast::http::status::switching_protocols)
        return fail("the server refused the WebSocket upgrade at " + url.target + ": HTTP " +
                    std::to_string(res.result_int()));
      return fail("WebSocket upgrade failed: " + e.message());
    }
    upgraded = true;
    ws.text(true);
    at = phase::challenge;
    read();
  }

  void read() {
    ws.async_read(buffer, [self = shared_from_this()](beast::error_code e, size_t) {
      self->on_read(e);
    });
  }

  void on_read(beast::error_code e) {
    if (at == phase::done)
      return;
    if (e) {
      // A close frame (the server's, or the answer to ours) leaves its code in reason().
      auto reason = ws.reason();
      if (e == websocket::error::closed && reason.code != websocket::close_code::none)
        return finish(static_cast<uint16_t>(reason.code), std::string(reason.reason.c_str()));
      return finish(1006, e == websocket::error::closed ? "closed without a code"
                                                        : "connection lost: " + e.message());
    }
    std::string text = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    on_text(text);
    if (at != phase::done)
      read();
  }

  void on_text(const std::string& text) {
    if (at == phase::challenge) {
      auto doc = nlohmann::json::parse(text, nullptr, false);
      auto nonce = doc.is_object() ? doc.find("nonce") : doc.end();
      if (!doc.is_object() || doc.value("type", "") != "challenge" || nonce == doc.end() ||
          !nonce->is_string())
        return fail("expected a challenge frame, got " + text.substr(0, 200));
      auto signature =
          crypto::sign(key.pair.secret_key, signal::auth_message(nonce->get<std::string>(), key.id));
      at = phase::auth_sent;
      write(nlohmann::json{{"type", "auth"},
                           {"agent_id", key.id},
                           {"signature", encoding::base64url_encode(signature)}}
                .dump());
      return;
    }
    if (at == phase::auth_sent) {
      auto doc = nlohmann::json::parse(text, nullptr, false);
      if (doc.is_object() && doc.value("type", "") == "config") {
        at = phase::ready;
        auth_deadline.cancel();
        h.ready(doc);
        return;
      }
    }
    // Before the config frame this can only be an error frame ahead of the
    // server's close; the user sees it either way.
    h.frame(text);
  }

  void write(std::string text) {
    outbox.push_back(std::move(text));
    if (!writing)
      write_next();
  }

  void write_next() {
    if (outbox.empty()) {
      writing = false;
      if (close_wanted && at != phase::closing && at != phase::done)
        begin_close();
      return;
    }
    writing = true;
    ws.async_write(net::buffer(outbox.front()),
                   [self = shared_from_this()](beast::error_code e, size_t) {
                     if (self->at == phase::done)
                       return;
                     self->outbox.pop_front();
                     if (e) {
                       // The read side sees the same failure and reports it.
                       self->writing = false;
                       return;
                     }
                     self->write_next();
                   });
  }

  void close(uint16_t code) {
    if (at == phase::done || close_wanted)
      return;
    close_wanted = code;
    if (!upgraded)  // nothing to close politely yet: drop the attempt
      return finish(code, "stopped before the connection was up");
    if (!writing)
      begin_close();
  }

  void begin_close() {
    at = phase::closing;
    // Beast allows one write-type operation at a time; the queue is empty here.
    ws.async_close(*close_wanted, [self = shared_from_this()](beast::error_code e) {
      // The pending read completes with the server's answer; if the close
      // itself failed (timeout, reset), that read fails too and reports it.
      if (e && self->at != phase::done)
        self->drop();
    });
  }

  void fail(const std::string& why) {
    drop();
    finish(1006, why);
  }

  void drop() {
    beast::error_code ignored;
    resolver.cancel();
    beast::get_lowest_layer(ws).socket().close(ignored);
  }

  void finish(uint16_t code, const std::string& reason) {
    if (at == phase::done)
      return;
    at = phase::done;
    auth_deadline.cancel();
    drop();
    auto closed = std::move(h.closed);
    h = {};
    if (closed)
      closed(code, reason);
  }
};

signal_client::signal_client(net::io_context& io, const ws_url& url, const agent_key& key,
                             handlers h)
    : session_(std::make_shared<session>(io, url, key, std::move(h))) {
  session_->start();
}

signal_client::~signal_client() {
  // Pending handlers still hold the session; they see `done` and stop.
  session_->at = session::phase::done;
  session_->h = {};
  session_->auth_deadline.cancel();
  session_->drop();
}

bool signal_client::send(std::string text) {
  if (session_->at != session::phase::ready)
    return false;
  session_->write(std::move(text));
  return true;
}

void signal_client::close(uint16_t code) { session_->close(code); }

}  // namespace tessera::cli
