#pragma once
// A TCP connection to a test server driven byte by byte, for what an HTTP
// client library would not send (pipelining, broken framing, slow or idle
// clients) and for reading streamed answers as they come.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tessera::test {

/// One HTTP answer as read off the wire; header names in lower case.
struct raw_response {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
  bool closes() const {
    auto it = headers.find("connection");
    return it != headers.end() && it->second == "close";
  }
};

class raw_socket {
public:
  /// Connects to 127.0.0.1:`port`, from `from` (a loopback address such as
  /// 127.0.0.2) when given; `receive_buffer` > 0 shrinks the socket's buffer.
  explicit raw_socket(int port, const char* from = nullptr, int receive_buffer = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0)
      throw std::runtime_error("socket() failed");
    if (receive_buffer > 0)
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
    if (from) {
      sockaddr_in local{};
      local.sin_family = AF_INET;
      ::inet_pton(AF_INET, from, &local.sin_addr);
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0)
        throw std::runtime_error("bind() failed");
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
      throw std::runtime_error("connect() failed");
  }
  raw_socket(const raw_socket&) = delete;
  raw_socket& operator=(const raw_socket&) = delete;
  ~raw_socket() { ::close(fd_); }

  /// Sends all of `data`; false once the peer is gone (no SIGPIPE).
  bool send(std::string_view data) {
    while (!data.empty()) {
      auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0)
        return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  /// Reads what arrives within `timeout_ms` into in(); false when the peer
  /// closed (or reset) the connection and nothing more will come.
  bool receive(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0)
      return true;
    char buf[65536];
    auto n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    in_.append(buf, static_cast<size_t>(n));
    return true;
  }

  /// Reads until in() holds `text` (true), or the connection closes or
  /// `timeout_ms` passes (false).
  bool read_until(std::string_view text, int timeout_ms = 10000) {
    auto deadline = now() + std::chrono::milliseconds(timeout_ms);
    while (in_.find(text) == std::string::npos) {
      if (closed_ || now() >= deadline)
        return false;
      receive(left(deadline));
    }
    return true;
  }

  /// Reads until the peer closes; true if it did within `timeout_ms`.
  bool wait_closed(int timeout_ms = 10000) {
    auto deadline = now() + std::chrono::milliseconds(timeout_ms);
    while (!closed_ && now() < deadline)
      receive(left(deadline));
    return closed_;
  }

  /// The next answer (framed by Content-Length, or by the close when there is
  /// none), taken off in(); nullopt when none came whole in `timeout_ms`.
  std::optional<raw_response> read_response(int timeout_ms = 10000) {
    auto deadline = now() + std::chrono::milliseconds(timeout_ms);
    if (!read_until("\r\n\r\n", timeout_ms))
      return std::nullopt;
    raw_response r;
    auto head_end = in_.find("\r\n\r\n");
    std::string head = in_.substr(0, head_end);
    if (head.rfind("HTTP/1.", 0) != 0 || head.size() < 12)
      return std::nullopt;
    r.status = std::stoi(head.substr(9, 3));
    for (size_t at = head.find("\r\n"); at != std::string::npos;) {
      auto next = head.find("\r\n", at + 2);
      auto line = head.substr(at + 2, next == std::string::npos ? std::string::npos
                                                                : next - at - 2);
      auto colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (auto& ch : name)
          ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        auto value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ')
          value.erase(0, 1);
        r.headers[name] = value;
      }
      at = next;
    }
    size_t body_at = head_end + 4;
    auto cl = r.headers.find("content-length");
    if (cl == r.headers.end()) {
      wait_closed(left(deadline));
      r.body = in_.substr(body_at);
      in_.clear();
      return r;
    }
    size_t length = std::stoul(cl->second);
    while (in_.size() < body_at + length) {
      if (closed_ || now() >= deadline)
        return std::nullopt;
      receive(left(deadline));
    }
    r.body = in_.substr(body_at, length);
    in_.erase(0, body_at + length);
    return r;
  }

  std::string& in() { return in_; }
  bool closed() const { return closed_; }
  int fd() const { return fd_; }

private:
  static std::chrono::steady_clock::time_point now() { return std::chrono::steady_clock::now(); }
  static int left(std::chrono::steady_clock::time_point deadline) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now()).count();
    return ms < 0 ? 0 : static_cast<int>(ms);
  }

  int fd_ = -1;
  std::string in_;
  bool closed_ = false;
};

/// "GET `target` HTTP/1.1" with a Host and `extra` header lines (each ending
/// in \r\n), no body.
inline std::string get_request(const std::string& target, const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + "\r\n";
}

}  // namespace tessera::test
