#pragma once
// One listening socket of the front: accepts, hands each connection to the
// next I/O worker (round robin) and counts it (http/connections); over a
// limit the socket gets a 503 and is closed. Out of file descriptors it backs
// off instead of spinning.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <string>
#include <vector>

namespace tessera::http {

class connections;
class io_worker;

class listener {
public:
  /// `signaling_only`: the signaling.ws_addr listener (WebSocket only).
  listener(std::vector<io_worker*> workers, connections& all, bool signaling_only);
  ~listener();

  /// Binds and listens on `addr` ("host:port", ":port", "[v6]:port");
  /// returns the bound port, or -1 with `why` set.
  int bind(const std::string& addr, std::string& why);
  void start();
  /// Stops accepting (posted to the acceptor's thread).
  void stop();

private:
  void accept();

  std::vector<io_worker*> workers_;
  connections& all_;
  bool signaling_only_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer backoff_;
  size_t next_ = 0;
};

/// Raises the soft limit of open files to the hard limit: every connection is
/// a descriptor, and the usual soft limit of 1024 is far too few.
void raise_fd_limit();

}  // namespace tessera::http
