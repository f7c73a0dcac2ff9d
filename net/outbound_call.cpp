#include "net/outbound_call.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <array>
#include <optional>

#include "protocol/encoding.hpp"

namespace tessera::net::outbound {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using clock = std::chrono::steady_clock;
using strand = asio::strand<asio::io_context::executor_type>;

std::string_view as_view(beast::string_view text) { return {text.data(), text.size()}; }

constexpr size_t max_unparsed = 64 * 1024;

// Verifies servers against the system's CAs; the name is checked per call.
asio::ssl::context& tls_context() {
  static asio::ssl::context context = [] {
    asio::ssl::context c(asio::ssl::context::tls_client);
    c.set_default_verify_paths();
    c.set_verify_mode(asio::ssl::verify_peer);
    return c;
  }();
  return context;
}

// A call over `Stream` (beast::tcp_stream, or beast::ssl_stream of one). Every
// handler runs on the call's strand; `ended_` makes each one after the end a no-op.
template <class Stream>
class call final : public outbound_call, public std::enable_shared_from_this<call<Stream>> {
public:
  call(strand executor, Stream stream, parsed_url url, call_request request,
       const call_limits& limits, std::vector<ip_address::range> allow, call_events events)
      : executor_(executor),
        stream_(std::move(stream)),
        resolver_(executor),
        deadline_(executor),
        url_(std::move(url)),
        request_(std::move(request)),
        limits_(limits),
        allow_(std::move(allow)),
        events_(std::move(events)) {}

  void start() {
    arm_deadline(limits_.head_timeout, "did not answer within ");
    resolver_.async_resolve(url_.host, std::to_string(url_.port),
                            [self = this->shared_from_this()](beast::error_code e,
                                                              tcp::resolver::results_type found) {
                              self->on_resolved(e, std::move(found));
                            });
  }

  void cancel() override {
    asio::post(executor_, [self = this->shared_from_this()] {
      self->finish(error_code::cancelled, "the call was cancelled");
    });
  }

private:
  tcp::socket& socket() { return beast::get_lowest_layer(stream_).socket(); }

  void arm_deadline(std::chrono::milliseconds after, std::string what) {
    deadline_.expires_at(started_ + after);
    deadline_.async_wait([self = this->shared_from_this(), after, what](beast::error_code e) {
      if (!e)
        self->finish(error_code::timeout,
                     self->url_.host + " " + what + std::to_string(after.count()) + " ms");
    });
  }

  void on_resolved(beast::error_code e, tcp::resolver::results_type found) {
    if (ended_) return;
    if (e || found.empty())
      return finish(error_code::resolve_failed, url_.host + " has no address");
    std::vector<ip_address::address> addresses;
    for (const auto& entry : found) {
      auto a = ip_address::parse(entry.endpoint().address().to_string());
      if (!a)  // an address the check can't read is not connected to
        return finish(error_code::address_blocked,
                      url_.host + " resolves to an address that can't be checked");
      addresses.push_back(*a);
    }
    if (auto refused = refuse_blocked(url_.host, addresses, allow_))
      return finish(refused->code, refused->message);
    // Every address passed the check, so any may be used: in the resolver's order.
    beast::get_lowest_layer(stream_).async_connect(
        found, [self = this->shared_from_this()](beast::error_code e, const tcp::endpoint&) {
          self->on_connected(e);
        });
  }

  void on_connected(beast::error_code e) {
    if (ended_) return;
    if (e)
      return finish(error_code::connect_failed, "could not connect to " + url_.host + " port " +
                                                    std::to_string(url_.port));
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      write();
    } else {
      // SNI only for a name (not an address literal); the certificate must match the URL's host.
      if (!ip_address::parse(url_.host))
        SSL_set_tlsext_host_name(stream_.native_handle(), url_.host.c_str());
      stream_.set_verify_callback(asio::ssl::host_name_verification(url_.host));
      stream_.async_handshake(asio::ssl::stream_base::client,
                              [self = this->shared_from_this()](beast::error_code e) {
                                if (self->ended_) return;
                                if (e)
                                  return self->finish(error_code::connect_failed,
                                                      "the TLS handshake with " + self->url_.host +
                                                          " failed (is its certificate valid for "
                                                          "that name?)");
                                self->write();
                              });
    }
  }

  void write() {
    out_.method_string(request_.method);
    out_.target(url_.target);
    out_.version(11);
    for (const auto& [name, value] : request_.headers) out_.insert(name, value);
    out_.set(http::field::host, url_.host_header);
    out_.body() = std::move(request_.body);
    out_.prepare_payload();
    http::async_write(stream_, out_,
                      [self = this->shared_from_this()](beast::error_code e, size_t) {
                        if (self->ended_) return;
                        if (e) return self->broken(e);
                        self->read_head();
                      });
  }

  void read_head() {
    parser_.emplace();
    parser_->body_limit(limits_.max_body_bytes);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code e, size_t) {
                              self->on_head(e);
                            });
  }

  void on_head(beast::error_code e) {
    if (ended_) return;
    if (e) return broken(e);
    const auto& message = parser_->get();
    response_head head;
    head.status = static_cast<int>(message.result_int());
    if (head.status == 100 || head.status == 102 || head.status == 103)
      return read_head();  // interim answers: the real one follows
    if (head.status < 200 || head.status > 599)
      return finish(error_code::bad_status,
                    url_.host + " answered " + std::to_string(head.status) + ", not an HTTP answer");
    if (head.status >= 300 && head.status < 400)
      return finish(error_code::redirect_refused,
                    url_.host + " answered " + std::to_string(head.status) + " redirecting to " +
                        redirect_host(as_view(message[http::field::location]), url_) +
                        "; redirects are not followed");
    for (const auto& field : message)
      head.headers.emplace_back(as_view(field.name_string()), as_view(field.value()));
    events_.on_head(head);
    if (ended_) return;
    arm_deadline(limits_.max_duration, "did not finish its answer within ");
    if (parser_->is_done()) return finish(error_code::none, "");
    read_body();
  }

  void read_body() {
    auto& body = parser_->get().body();
    body.data = chunk_.data();
    body.size = chunk_.size();
    beast::get_lowest_layer(stream_).expires_after(limits_.idle_timeout);
    http::async_read_some(stream_, buffer_, *parser_,
                          [self = this->shared_from_this()](beast::error_code e, size_t) {
                            self->on_body(e);
                          });
  }

  void on_body(beast::error_code e) {
    if (ended_) return;
    if (e == http::error::need_buffer) e = {};  // the chunk is full: not an error
    size_t filled = chunk_.size() - parser_->get().body().size;
    if (filled > 0) {
      events_.on_body(std::string_view(chunk_.data(), filled));
      if (ended_) return;
    }
    if (e) return broken(e);
    if (parser_->is_done()) return finish(error_code::none, "");
    read_body();
  }

  void broken(beast::error_code e) {
    if (e == beast::error::timeout)
      return finish(error_code::timeout, url_.host + " sent nothing for " +
                                             std::to_string(limits_.idle_timeout.count()) + " ms");
    if (e == http::error::body_limit)
      return finish(error_code::too_large, url_.host + " sent a body larger than " +
                                               std::to_string(limits_.max_body_bytes) + " bytes");
    if (e == http::error::header_limit)
      return finish(error_code::too_large, url_.host + " sent headers that are too large");
    if (e == http::error::buffer_overflow)
      return finish(error_code::too_large,
                    url_.host + " sent a chunk header or trailer that does not end");
    finish(error_code::connect_failed,
           "the connection to " + url_.host + " failed: " + e.message());
  }

  void finish(error_code code, std::string message) {
    if (ended_) return;
    ended_ = true;
    deadline_.cancel();
    resolver_.cancel();
    beast::error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
    events_.on_end(failure{code, std::move(message)});
    events_ = {};  // what the callbacks hold goes with them
  }

  strand executor_;
  Stream stream_;
  tcp::resolver resolver_;
  asio::steady_timer deadline_;
  parsed_url url_;
  call_request request_;
  call_limits limits_;
  std::vector<ip_address::range> allow_;
  call_events events_;
  clock::time_point started_ = clock::now();
  bool ended_ = false;
  http::request<http::string_body> out_;
  // Bytes read but not parsed yet: a chunk header or trailer that never ends
  // must not grow it without bound (the parser limits only the head).
  beast::flat_buffer buffer_{max_unparsed};
  std::optional<http::response_parser<http::buffer_body>> parser_;
  std::array<char, 16 * 1024> chunk_;
};

// A call that can't start (its URL is refused): it ends at once, on `io`.
class refused_call final : public outbound_call {
public:
  void cancel() override {}
};

}  // namespace

std::string response_head::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (encoding::iequals(n, name)) return v;
  return {};
}

std::shared_ptr<outbound_call> start_call(boost::asio::io_context& io, call_request request,
                                          const call_limits& limits,
                                          const std::vector<ip_address::range>& allow,
                                          call_events events) {
  failure why;
  auto url = parse_url(request.url, why);
  if (!url) {
    asio::post(io, [events = std::move(events), why] { events.on_end(why); });
    return std::make_shared<refused_call>();
  }
  auto executor = asio::make_strand(io);
  if (url->https) {
    auto c = std::make_shared<call<beast::ssl_stream<beast::tcp_stream>>>(
        executor, beast::ssl_stream<beast::tcp_stream>(executor, tls_context()), std::move(*url),
        std::move(request), limits, allow, std::move(events));
    asio::post(executor, [c] { c->start(); });
    return c;
  }
  auto c = std::make_shared<call<beast::tcp_stream>>(executor, beast::tcp_stream(executor),
                                                     std::move(*url), std::move(request), limits,
                                                     allow, std::move(events));
  asio::post(executor, [c] { c->start(); });
  return c;
}

}  // namespace tessera::net::outbound
