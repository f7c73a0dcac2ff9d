#pragma once
// One signaling connection for `tessera connect`: TCP connect, WebSocket
// upgrade, the challenge-signed auth, then text frames both ways until either
// side closes. Asynchronous on the caller's io_context, so the command's one
// event loop also sees stdin lines, timers and signals; every callback runs
// on that loop's thread, and send/close must be called there too.
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "key_file.hpp"

namespace tessera::cli {

/// ws://host[:port][/path]; the port defaults to 80 and the path to "/".
struct ws_url {
  std::string host;  // as written, brackets of an IPv6 address removed
  std::string port;
  std::string target;  // path and query
  std::string host_header;  // host[:port] as the Host header carries it
};

/// On failure returns nullopt and says why in `err` (wss:// is refused: this
/// build speaks plain WebSocket only).
std::optional<ws_url> parse_ws_url(std::string_view text, std::string& err);

class signal_client {
public:
  struct handlers {
    /// The server accepted the auth; `config` is its config frame.
    std::function<void(const nlohmann::json& config)> ready;
    /// Any other text frame, as received.
    std::function<void(const std::string& text)> frame;
    /// Called once, last: the server's close code and reason, or 1006 and what
    /// went wrong when there was no close frame (refused, dropped, timed out).
    std::function<void(uint16_t code, const std::string& reason)> closed;
  };

  /// Starts connecting at once. `key` must outlive the connection.
  signal_client(boost::asio::io_context& io, const ws_url& url, const agent_key& key,
                handlers h);
  ~signal_client();  // drops the connection if still open; no callbacks after this
  signal_client(const signal_client&) = delete;
  signal_client& operator=(const signal_client&) = delete;

  /// Queues a text frame; false unless ready (after the config frame).
  bool send(std::string text);
  /// Sends what is queued, then a close frame with `code`; `closed` follows
  /// once the server answers (or the close times out). Before the upgrade
  /// completes it just drops the attempt.
  void close(uint16_t code);

private:
  struct session;
  std::shared_ptr<session> session_;
};

}  // namespace tessera::cli
