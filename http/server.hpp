#pragma once
// The REST acceptor: cpp-httplib with its own worker pool, the middleware
// chain (request id, connection and rate limits, CORS, body limit, access
// control, access log, JSON errors) and the route table.
#include <memory>
#include <string>

#include "http/context.hpp"

namespace httplib {
class Server;
}

namespace tessera::http {

class server {
public:
  explicit server(context ctx);
  ~server();

  /// Binds server.http_addr; returns the bound port, or -1 with `why` set.
  int bind(std::string& why);
  /// Serves until stop(); returns when in-flight requests have finished.
  void run();
  /// Stops accepting; safe from another thread.
  void stop();

private:
  context ctx_;
  std::unique_ptr<limits> limits_;
  std::unique_ptr<httplib::Server> svr_;
};

/// Splits "host:port" / ":port" / "[v6]:port"; host "" means all interfaces.
bool split_host_port(const std::string& addr, std::string& host, int& port);

}  // namespace tessera::http
