#pragma once
// One HTTP/1.1 connection, on one I/O worker. It reads a request's line and
// headers within server.header_timeout (a total deadline, not renewed per
// byte), checks the framing strictly (http/framing), answers what can be
// answered from the headers alone (http/dispatch) -- closing the connection if
// a body would be left unread --, reads the body within server.body_timeout
// and at most server.max_body_bytes as decoded (chunked or not), runs the
// handler, writes its answer and goes on with the next request: pipelined
// requests are answered in order, idle keep-alive connections close after
// server.keep_alive_timeout. A streamed answer (SSE) is written as its feeder
// sends, with comments as keep-alive pings. GET /api/v1/signaling with an
// upgrade becomes a WebSocket (ws/session).
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/dispatch.hpp"
#include "http/event_stream.hpp"

namespace tessera::http {

class connections;
class io_worker;

class connection : public std::enable_shared_from_this<connection> {
public:
  /// `signaling_only`: the optional signaling.ws_addr listener, which serves
  /// the WebSocket upgrade and refuses everything else.
  connection(boost::asio::ip::tcp::socket socket, connections& all, io_worker& worker,
             std::string peer, bool signaling_only);
  ~connection();

  void start();
  /// Over a connection limit: answers 503 `why` and closes; counts nothing
  /// but itself in `refusing`.
  void turn_away(std::string why);
  /// Shutting down: close at once if idle, after the answer if busy; end a
  /// stream with its final event. On the connection's thread.
  void shut_down(const std::string& final_event);
  io_worker& worker() { return worker_; }

private:
  using parser_type = boost::beast::http::request_parser<boost::beast::http::string_body>;
  enum class phase { idle, header, body, handling, writing, streaming, closing };

  void wait_for_request();
  void read_header();
  void on_header();
  void read_body();
  void on_body();
  void handle();
  void respond(bool keep_alive);
  void on_written(bool keep_alive);
  /// A refusal decided by the connection itself (400, 408, 413, 431, ...):
  /// written, then the connection closes.
  void refuse(int status, const char* code, std::string message);
  void upgrade();
  void start_stream();
  void write_stream();
  void watch_stream_peer();
  void ping_later();
  void end_stream(bool overflowed);
  /// Half-closes, reads what the client still sends (briefly), closes: so a
  /// refusal is not lost to a reset when the request was not read whole.
  void close_gracefully();
  void linger();
  void close_now();
  bool body_pending() const;
  /// A total deadline for the headers or the body: when it passes, pending
  /// reads are cancelled and read as a timeout (408). Not tcp_stream's own
  /// expiry, which closes the socket, so that the 408 could not be sent.
  void arm_deadline(std::chrono::milliseconds d);
  bool timed_out(const boost::beast::error_code& e) const;

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  connections& all_;
  io_worker& worker_;
  const context& ctx_;
  std::string peer_;
  bool signaling_only_;
  std::optional<parser_type> parser_;
  std::unique_ptr<exchange> x_;
  std::string head_;  // the serialized response header, while it is written
  std::string stream_out_;  // stream bytes being written asynchronously
  std::vector<shared_text> stream_events_;  // taken from the stream, to write now
  boost::asio::steady_timer ping_;
  boost::asio::steady_timer deadline_;
  bool deadline_hit_ = false;
  phase phase_ = phase::idle;
  int served_ = 0;
  size_t lingered_ = 0;
  bool counted_ = true;
  bool refusing_ = false;  // holds a place in `all_` (not once turned away or upgraded)
  bool writing_ = false;  // a stream write is in flight
  bool shutting_down_ = false;
};

}  // namespace tessera::http
