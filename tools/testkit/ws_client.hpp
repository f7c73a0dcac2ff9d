#pragma once
// A real WebSocket client (Boost.Beast, blocking) for the integration tests
// and the signaling benchmark: connect, send text frames, receive them with a
// timeout (a reader thread queues what arrives), and see how the server
// closed the connection.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace tessera::testkit {

class ws_client {
public:
  ws_client();
  ~ws_client();  // closes (1000) if still open
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  /// Connects to ws://127.0.0.1:<port><target>. False when the TCP connect or
  /// the upgrade fails; `http_status` then holds the refusal's status (0: none).
  bool connect(int port, const std::string& target = "/api/v1/signaling",
               int* http_status = nullptr);
  /// Sends one text frame; false when the connection is gone.
  bool send(const std::string& text);
  bool send_json(const nlohmann::json& frame) { return send(frame.dump()); }
  /// The next text frame, or nullopt after `timeout` or once closed.
  std::optional<std::string> receive(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// The next frame parsed; nullopt as above (or when it isn't JSON).
  std::optional<nlohmann::json> receive_json(
      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// Skips frames until one of `type` arrives; nullopt as above.
  std::optional<nlohmann::json> receive_type(
      const std::string& type, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// Waits until the server closed the connection; true if it did within `timeout`.
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  bool closed() const;
  uint16_t close_code() const;      // the server's close code (0: none seen)
  std::string close_reason() const;
  /// Closes from this side (sends a close frame with `code`).
  void close(uint16_t code = 1000);
  /// Drops the TCP connection without a close frame.
  void drop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The handshake as an agent: reads the challenge, signs
/// "tessera-signal-v1:<nonce>:<agent id>" with `secret_key` (libsodium's 64
/// bytes), sends the auth frame and returns the config frame that follows;
/// nullopt (with what came instead in `why`) when it doesn't.
std::optional<nlohmann::json> authenticate(ws_client& c, const std::string& agent_id,
                                           const std::string& secret_key, std::string* why = nullptr);

}  // namespace tessera::testkit
