#include "ws/server.hpp"

#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include <thread>
#include <vector>

#include "http/server.hpp"
#include "protocol/signal_frame.hpp"
#include "ws/session.hpp"

namespace tessera::ws {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace server_detail {

constexpr int io_threads = 2;
// How long stop() waits for clients to answer the 1001 close.
constexpr auto stop_wait = std::chrono::seconds(5);
// Out of file descriptors: accepting again at once would spin.
constexpr auto accept_backoff = std::chrono::milliseconds(100);

/// Every connection is a descriptor: 10,000 of them don't fit the usual
/// soft limit of 1024, so take what the hard limit allows.
void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max)
    return;
  auto wanted = lim.rlim_max;
  lim.rlim_cur = wanted;
  if (setrlimit(RLIMIT_NOFILE, &lim) != 0)
    spdlog::warn("signaling: cannot raise the open files limit to {}", wanted);
}

}  // namespace server_detail

struct server::impl {
  // Declared first so it outlives the io_context and so the sessions.
  session_env env;
  net::io_context ioc{server_detail::io_threads};
  tcp::acceptor acceptor{net::make_strand(ioc)};
  net::steady_timer backoff{acceptor.get_executor()};
  std::vector<std::thread> threads;
  bool stopped = false;

  impl(caf::actor_system& sys, const config::settings& s, node_actors actors)
      : env(sys, s, std::move(actors),
            signaling_peer_config{s.signaling, s.registry.heartbeat_interval,
                                  s.server.request_timeout}) {}

  ~impl() {
    // Sinks held by actors must not post into a destroyed io_context.
    std::unique_lock lock(env.gate->m);
    env.gate->open = false;
  }

  void do_accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](boost::system::error_code e, tcp::socket s) {
      if (e == net::error::operation_aborted || !acceptor.is_open())
        return;
      if (e) {
        spdlog::warn("signaling accept failed: {}", e.message());
        backoff.expires_after(server_detail::accept_backoff);
        backoff.async_wait([this](boost::system::error_code waited) {
          if (!waited)
            do_accept();
        });
        return;
      }
      std::make_shared<session>(std::move(s), env)->start();
      do_accept();
    });
  }
};

server::server(caf::actor_system& sys, const config::settings& s, node_actors actors)
    : impl_(std::make_unique<impl>(sys, s, std::move(actors))) {}

server::~server() {
  stop();
}

int server::bind(std::string& why) {
  server_detail::raise_fd_limit();
  const auto& addr = impl_->env.cfg.signaling.ws_addr;
  std::string host;
  int port = 0;
  if (!http::split_host_port(addr, host, port)) {
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
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), e);
  if (!e)
    a.set_option(net::socket_base::reuse_address(true), e);
  if (!e)
    a.bind(ep, e);
  if (!e)
    a.listen(net::socket_base::max_listen_connections, e);
  if (e) {
    why = "cannot listen on " + addr + ": " + e.message();
    boost::system::error_code ignored;
    a.close(ignored);
    return -1;
  }
  return a.local_endpoint().port();
}

void server::start() {
  impl_->do_accept();
  for (int i = 0; i < server_detail::io_threads; ++i)
    impl_->threads.emplace_back([this] { impl_->ioc.run(); });
}

void server::stop() {
  auto& d = *impl_;
  if (d.stopped)
    return;
  d.stopped = true;
  net::post(d.acceptor.get_executor(), [&d] {
    boost::system::error_code ignored;
    d.acceptor.close(ignored);
    d.backoff.cancel();
  });
  std::vector<std::shared_ptr<session>> open;
  {
    std::lock_guard lock(d.env.m);
    for (auto& [_, weak] : d.env.sessions)
      if (auto s = weak.lock())
        open.push_back(std::move(s));
  }
  for (auto& s : open)
    net::post(s->executor(), [s] { s->close(signal::close_code::going_away, "server stopping"); });
  open.clear();
  if (!d.threads.empty()) {
    std::unique_lock lock(d.env.m);
    d.env.idle.wait_for(lock, server_detail::stop_wait, [&] { return d.env.live.load() == 0; });
  }
  d.ioc.stop();
  for (auto& t : d.threads)
    t.join();
  d.threads.clear();
}

size_t server::connections() const {
  return static_cast<size_t>(std::max(0, impl_->env.live.load()));
}

}  // namespace tessera::ws
