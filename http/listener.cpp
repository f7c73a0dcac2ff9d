#include "http/listener.hpp"

#include <sys/resource.h>

#include <spdlog/spdlog.h>

#include "config/values.hpp"
#include "http/connection.hpp"
#include "http/connections.hpp"
#include "http/io_worker.hpp"

namespace tessera::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// Out of file descriptors (or another accept error): accepting again at once
// would spin.
constexpr auto accept_backoff = std::chrono::milliseconds(100);
// Sockets being turned away at once; beyond this they are closed without an
// answer (a flood must not make the refusals themselves a cost).
constexpr int max_turning_away = 1024;

}  // namespace

void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max)
    return;
  auto wanted = lim.rlim_max;
  lim.rlim_cur = wanted;
  if (setrlimit(RLIMIT_NOFILE, &lim) != 0)
    spdlog::warn("http: cannot raise the open files limit to {}", wanted);
}

listener::listener(std::vector<io_worker*> workers, connections& all, bool signaling_only)
    : workers_(std::move(workers)),
      all_(all),
      signaling_only_(signaling_only),
      acceptor_(workers_.front()->context()),
      backoff_(workers_.front()->context()) {}

listener::~listener() = default;

int listener::bind(const std::string& addr, std::string& why) {
  std::string host;
  int port = 0;
  if (!config::split_listen_addr(addr, host, port)) {
    why = "expected host:port, got \"" + addr + "\"";
    return -1;
  }
  boost::system::error_code e;
  auto ip = host.empty() ? net::ip::address(net::ip::address_v4::any())
                         : net::ip::make_address(host, e);
  if (e) {
    why = "\"" + host + "\" is not an IP address";
    return -1;
  }
  tcp::endpoint ep(ip, static_cast<unsigned short>(port));
  acceptor_.open(ep.protocol(), e);
  // SO_REUSEADDR allows a quick restart; not SO_REUSEPORT, which would let
  // another process take a share of the connections.
  if (!e)
    acceptor_.set_option(net::socket_base::reuse_address(true), e);
  if (!e)
    acceptor_.bind(ep, e);
  if (!e)
    acceptor_.listen(net::socket_base::max_listen_connections, e);
  if (e) {
    why = "cannot listen on " + addr + " (" + e.message() + ")";
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return -1;
  }
  return acceptor_.local_endpoint().port();
}

void listener::start() {
  net::post(acceptor_.get_executor(), [this] { accept(); });
}

void listener::stop() {
  net::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    backoff_.cancel();
  });
}

void listener::accept() {
  auto* worker = workers_[next_++ % workers_.size()];
  acceptor_.async_accept(worker->context(), [this, worker](boost::system::error_code e,
                                                           tcp::socket socket) {
    if (e == net::error::operation_aborted || !acceptor_.is_open())
      return;
    if (e) {
      spdlog::warn("http: accept failed: {}", e.message());
      backoff_.expires_after(accept_backoff);
      backoff_.async_wait([this](boost::system::error_code waited) {
        if (!waited)
          accept();
      });
      return;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto peer = socket.remote_endpoint(ignored).address();
    auto peer_text = (peer.is_v6() && peer.to_v6().is_v4_mapped())
                         ? peer.to_v6().to_v4().to_string()
                         : peer.to_string();
    all_.accepted += 1;
    std::string why;
    if (all_.admit(peer_text, why)) {
      auto c = std::make_shared<connection>(std::move(socket), all_, *worker, peer_text,
                                            signaling_only_);
      worker->post([c] { c->start(); });
    } else if (all_.refusing.load() < max_turning_away) {
      all_.turned_away += 1;
      auto c = std::make_shared<connection>(std::move(socket), all_, *worker, peer_text,
                                            signaling_only_);
      c->turn_away(why);
    } else {
      all_.turned_away += 1;
      socket.close(ignored);
    }
    accept();
  });
}

}  // namespace tessera::http
