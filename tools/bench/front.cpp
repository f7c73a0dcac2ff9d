// bench_front: the asynchronous HTTP front of a real tesserad against nginx
// (Debian nginx-light, one worker) serving the same bytes from memory, both
// driven by the same client (wrk) on loopback in the same run:
//
//   1. GET /api/v1/agents/{id}, 32 keep-alive connections: requests/s, p99;
//   2. GET /api/v1/health, the same;
//   3. GET /api/v1/health with 64 idle sockets open, against itself without;
//   4. idle keep-alive connections (each served one request): RSS each;
//   5. SSE watches open at once, an event a second to all: delivered, p99 of
//      the delivery, RSS each.
//
// One table of ratios; see tools/bench/README.md for how to read it.
#include <CLI/CLI.hpp>
#include <httplib.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstring>
#include <array>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "protocol/agent_card.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/crypto.hpp"
#include "protocol/encoding.hpp"
#include "protocol/http_signature.hpp"
#include "tools/bench/bench_support.hpp"
#include "tools/testkit/tesserad_process.hpp"

namespace {

using namespace tessera::bench;
using nlohmann::json;

constexpr auto time_limit = std::chrono::seconds(600);

struct options {
  int seconds = 5;
  int connections = 32;
  int idle = 10000;
  int watches = 10000;
  int events = 5;
  int server_threads = 2;
  std::string server_log_level = "info";
  std::string only;  // one figure's name, or "" for all
  bool json = false;
};

// --- wrk -----------------------------------------------------------------------

struct load_result {
  double rps = 0, p50_ms = 0, p99_ms = 0;
  long bad = 0;  // non-2xx answers and socket errors
  std::string output;
};

double to_ms(double value, const std::string& unit) {
  if (unit == "us") return value / 1000;
  if (unit == "s") return value * 1000;
  return value;  // ms
}

/// wrk with 2 threads and `connections` keep-alive connections for `seconds`.
load_result wrk(int port, const std::string& path, int connections, int seconds) {
  auto command = "wrk -t2 -c" + std::to_string(connections) + " -d" + std::to_string(seconds) +
                 "s --latency http://127.0.0.1:" + std::to_string(port) + path + " 2>&1";
  load_result r;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p)
    throw std::runtime_error("cannot run wrk");
  std::array<char, 4096> buf{};
  while (auto n = std::fread(buf.data(), 1, buf.size(), p))
    r.output.append(buf.data(), n);
  if (::pclose(p) != 0)
    throw std::runtime_error("wrk failed (is Debian's wrk installed?): " + r.output);
  std::smatch m;
  if (std::regex_search(r.output, m, std::regex(R"(Requests/sec:\s+([0-9.]+))")))
    r.rps = std::stod(m[1]);
  if (std::regex_search(r.output, m, std::regex(R"(\n\s+50%\s+([0-9.]+)(us|ms|s))")))
    r.p50_ms = to_ms(std::stod(m[1]), m[2]);
  if (std::regex_search(r.output, m, std::regex(R"(\n\s+99%\s+([0-9.]+)(us|ms|s))")))
    r.p99_ms = to_ms(std::stod(m[1]), m[2]);
  if (std::regex_search(r.output, m, std::regex(R"(Non-2xx or 3xx responses:\s+([0-9]+))")))
    r.bad += std::stol(m[1]);
  if (std::regex_search(r.output, m,
                        std::regex(R"(Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+))")))
    r.bad += std::stol(m[1]) + std::stol(m[2]) + std::stol(m[3]) + std::stol(m[4]);
  return r;
}

// --- nginx -----------------------------------------------------------------------

std::string nginx_quoted(const std::string& body) {
  std::string out;
  for (char c : body) {
    if (c == '\'' || c == '\\')
      out += '\\';
    out += c;
  }
  return out;
}

/// nginx with one worker answering `health` at /api/v1/health and `agent`
/// everywhere else, from memory (`return 200 '...'`), no access log.
class nginx_server {
public:
  nginx_server(const fs::path& dir, const std::string& health, const std::string& agent)
      : dir_(dir / "nginx"), port_(tessera::testkit::free_port()) {
    fs::create_directories(dir_ / "logs");
    std::ofstream conf(dir_ / "nginx.conf");
    conf << "worker_processes 1;\ndaemon off;\nerror_log " << (dir_ / "logs/error.log").string()
         << ";\npid " << (dir_ / "nginx.pid").string() << ";\n"
         << "events { worker_connections 4096; }\n"
         << "http {\n  access_log off;\n  keepalive_requests 100000;\n"
         << "  client_body_temp_path " << (dir_ / "tmp").string() << ";\n"
         << "  server {\n    listen 127.0.0.1:" << port_ << ";\n"
         << "    default_type application/json;\n"
         << "    location = /api/v1/health { return 200 '" << nginx_quoted(health) << "'; }\n"
         << "    location / { return 200 '" << nginx_quoted(agent) << "'; }\n  }\n}\n";
    conf.close();
    pid_ = ::fork();
    if (pid_ == 0) {
      auto c = (dir_ / "nginx.conf").string(), prefix = dir_.string() + "/";
      ::execlp("nginx", "nginx", "-c", c.c_str(), "-p", prefix.c_str(), nullptr);
      std::perror("nginx (is Debian's nginx-light installed?)");
      std::_Exit(127);
    }
    for (int i = 0; i < 100; ++i) {
      httplib::Client cli("127.0.0.1", port_);
      if (auto res = cli.Get("/api/v1/health"); res && res->status == 200)
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("nginx did not start");
  }
  ~nginx_server() {
    ::kill(pid_, SIGQUIT);
    ::waitpid(pid_, nullptr, 0);
  }
  int port() const { return port_; }

private:
  fs::path dir_;
  int port_;
  pid_t pid_ = -1;
};

// --- sockets and memory ----------------------------------------------------------------

int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
    throw std::runtime_error("connect failed (open files limit?)");
  return fd;
}

/// Sends `request` on every socket, then reads each until `until` came.
void send_and_read(const std::vector<int>& fds, const std::string& request,
                   const std::string& until) {
  for (int fd : fds)
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size()))
      throw std::runtime_error("send failed");
  std::string got;
  char buf[4096];
  for (int fd : fds) {
    got.clear();
    while (got.find(until) == std::string::npos) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 10000) <= 0)
        throw std::runtime_error("no answer on a connection");
      auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0)
        throw std::runtime_error("a connection closed");
      got.append(buf, static_cast<size_t>(n));
    }
  }
}

void close_all(std::vector<int>& fds) {
  for (int fd : fds)
    ::close(fd);
  fds.clear();
}

void raise_open_files() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

// --- the agent the GETs and the watches are about ---------------------------------------------

struct bench_agent {
  tessera::crypto::key_pair key = tessera::crypto::generate_key_pair();
  std::string id = tessera::agent_id::from_public_key(key.public_key);

  httplib::Result put(httplib::Client& cli, const std::string& method, int n) {
    using namespace tessera;
    json card = {{"name", "bench-front"},
                 {"description", "update " + std::to_string(n)},
                 {"version", "1.0.0"},
                 {"url", "https://bench.example.com/front"},
                 {"protocols", {"a2a"}},
                 {"skills", {{{"id", "echo"}, {"name", "Echo"}, {"tags", {"util"}}}}},
                 {"tags", {"bench"}}};
    auto body = card::sign(card, key).dump();
    auto path = method == "POST" ? std::string("/api/v1/agents") : "/api/v1/agents/" + id;
    auto nonce = encoding::base64url_encode(crypto::random_bytes(16));
    auto h = http_signature::sign(method, path, "", body, key, id,
                                  static_cast<int64_t>(std::time(nullptr)), nonce);
    httplib::Headers headers{{"Signature-Input", h.signature_input},
                             {"Signature", h.signature},
                             {"Content-Digest", h.content_digest}};
    return method == "POST" ? cli.Post(path, headers, body, "application/json")
                            : cli.Put(path, headers, body, "application/json");
  }
};

// --- the report -------------------------------------------------------------------------

struct figure {
  std::string name, tesserad, baseline, ratio, target;
  bool met = false;
};

std::string fixed(double v, int digits = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

struct watch_figures {
  long delivered = 0, expected = 0;
  double first_ms = 0, p50_ms = 0, p99_ms = 0;
  double kib_each = 0;
};

/// recv() that also tells when the kernel received the bytes (SO_TIMESTAMPNS
/// must be on); `at` is now when the kernel does not say.
ssize_t recv_stamped(int fd, char* buf, size_t size, std::chrono::system_clock::time_point& at) {
  iovec iov{buf, size};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  auto n = ::recvmsg(fd, &msg, 0);
  at = std::chrono::system_clock::now();
  for (auto* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      timespec ts;
      std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
      at = std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
    }
  }
  return n;
}

/// Opens `count` watches, sends `events` updates a second apart and measures
/// when each watch got each one.
watch_figures measure_watches(int port, pid_t pid, int count, int events, bench_agent& agent) {
  watch_figures out;
  long before = tessera::testkit::rss_kib(pid);
  std::vector<int> fds;
  for (int i = 0; i < count; ++i)
    fds.push_back(connect_to(port));
  send_and_read(fds, "GET /api/v1/agents/watch?id=" + agent.id +
                         " HTTP/1.1\r\nHost: b\r\n\r\n", "retry: 3000\n\n");
  out.kib_each = static_cast<double>(tessera::testkit::rss_kib(pid) - before) / count;
  int ep = ::epoll_create1(0);
  for (size_t i = 0; i < fds.size(); ++i) {
    int on = 1;
    ::setsockopt(fds[i], SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
  }
  httplib::Client cli("127.0.0.1", port);
  std::vector<double> delays;
  char buf[65536];
  for (int e = 0; e < events; ++e) {
    // Arrival is when the kernel put the bytes in the watch's socket
    // (SO_TIMESTAMPNS, wall clock), not when this one thread got round to
    // reading it.
    auto sent_at = clock_type::now();
    auto sent_wall = std::chrono::system_clock::now();
    auto res = agent.put(cli, "PUT", e);
    if (!res || res->status != 200)
      throw std::runtime_error("PUT of the watched agent failed");
    out.expected += count;
    // Each event is one "event: agent_updated" per socket.
    std::vector<int> got(fds.size(), 0);
    long got_all = 0;
    auto until = sent_at + std::chrono::seconds(1);
    // Read once the fan-out is (mostly) over: the stamps say when the bytes
    // came, and reading 10,000 sockets meanwhile would take the cores the
    // server is writing them with (its clients are elsewhere in real life).
    std::this_thread::sleep_until(sent_at + std::chrono::milliseconds(500));
    std::array<epoll_event, 256> ready{};
    while (clock_type::now() < until + std::chrono::seconds(2) && got_all < count) {
      int n = ::epoll_wait(ep, ready.data(), ready.size(), 100);
      for (int k = 0; k < n; ++k) {
        auto i = ready[k].data.u64;
        std::chrono::system_clock::time_point arrived;
        auto r = recv_stamped(fds[i], buf, sizeof buf, arrived);
        if (r > 0 && !got[i] && std::string_view(buf, r).find("agent_updated") != std::string_view::npos) {
          got[i] = 1;
          ++got_all;
          delays.push_back(std::chrono::duration<double, std::milli>(arrived - sent_wall).count());
        }
      }
    }
    out.delivered += got_all;
    std::this_thread::sleep_until(std::max(until, clock_type::now()));
  }
  ::close(ep);
  close_all(fds);
  if (!delays.empty()) {
    std::sort(delays.begin(), delays.end());
    out.first_ms = delays.front();
    out.p50_ms = delays[delays.size() / 2];
    out.p99_ms = delays[delays.size() * 99 / 100];
  }
  return out;
}

int run(const options& opt) {
  raise_open_files();
  auto deadline = clock_type::now() + time_limit;
  temp_dir dir;
  auto process = make_server(dir.path, opt.server_threads, opt.server_log_level,
                             "watch:\n  max_streams: 100000\n", "",
                             "  max_connections: 100000\n  max_connections_per_address: 100000\n");
  auto& server = *process;
  server.start();
  watchdog guard("bench_front", time_limit, deadline, server);

  bench_agent agent;
  httplib::Client cli("127.0.0.1", server.port());
  if (auto res = agent.put(cli, "POST", 0); !res || res->status != 201)
    throw std::runtime_error("registration failed");
  auto agent_path = "/api/v1/agents/" + agent.id;
  auto agent_body = cli.Get(agent_path)->body;
  auto health_body = cli.Get("/api/v1/health")->body;
  nginx_server nginx(dir.path, health_body, agent_body);

  std::vector<figure> table;
  json out;
  auto compare = [&](const std::string& name, const std::string& path, double target) {
    auto base = wrk(nginx.port(), path, opt.connections, opt.seconds);
    auto ours = wrk(server.port(), path, opt.connections, opt.seconds);
    double ratio = base.rps > 0 ? ours.rps / base.rps : 0;
    table.push_back({name, fixed(ours.rps, 0) + "/s p99 " + fixed(ours.p99_ms) + " ms",
                     fixed(base.rps, 0) + "/s p99 " + fixed(base.p99_ms) + " ms", fixed(ratio),
                     ">= " + fixed(target), ratio >= target && ours.bad == 0});
    out[name] = {{"tesserad_rps", ours.rps}, {"tesserad_p99_ms", ours.p99_ms},
                 {"nginx_rps", base.rps},    {"nginx_p99_ms", base.p99_ms},
                 {"ratio", ratio},           {"errors", ours.bad + base.bad}};
    return ours;
  };
  auto want = [&](const char* name) { return opt.only.empty() || opt.only == name; };
  if (want("get_agent")) {
    auto get = compare("get_agent", agent_path, 0.35);
    table.back().target += ", p99 < 10 ms";
    table.back().met = table.back().met && get.p99_ms < 10;
  }
  load_result health;
  if (want("health") || want("health_64_idle"))
    health = compare("health", "/api/v1/health", 0.35);

  // Health beside idle sockets, against itself without them.
  if (want("health_64_idle")) {
    std::vector<int> idle;
    for (int i = 0; i < 64; ++i)
      idle.push_back(connect_to(server.port()));
    auto beside = wrk(server.port(), "/api/v1/health", opt.connections, opt.seconds);
    close_all(idle);
    double slower = beside.p50_ms > 0 && health.p50_ms > 0 ? beside.p50_ms / health.p50_ms : 0;
    table.push_back({"health_64_idle", "p50 " + fixed(beside.p50_ms, 3) + " ms",
                     "p50 " + fixed(health.p50_ms, 3) + " ms without", fixed(slower),
                     "<= 1.50 (slowdown)", slower > 0 && slower <= 1.5 && beside.bad == 0});
    out["health_64_idle"] = {{"p50_ms", beside.p50_ms}, {"p50_ms_without", health.p50_ms},
                             {"slowdown", slower}};
  }

  // Idle keep-alive connections: each has been served one request.
  if (want("idle_keep_alive")) {
    long before = tessera::testkit::rss_kib(server.pid());
    std::vector<int> idle;
    for (int i = 0; i < opt.idle; ++i)
      idle.push_back(connect_to(server.port()));
    send_and_read(idle, "GET /api/v1/health HTTP/1.1\r\nHost: b\r\n\r\n", "}");
    double each = static_cast<double>(tessera::testkit::rss_kib(server.pid()) - before) / opt.idle;
    close_all(idle);
    table.push_back({"idle_keep_alive", fixed(each, 1) + " KiB each (" +
                                            std::to_string(opt.idle) + ")",
                     "-", "-", "< 16 KiB", each < 16});
    out["idle_keep_alive"] = {{"connections", opt.idle}, {"kib_each", each}};
  }

  // SSE watches.
  if (want("sse_watches")) {
    std::this_thread::sleep_for(std::chrono::seconds(1));  // the idle ones are gone
    auto w = measure_watches(server.port(), server.pid(), opt.watches, opt.events, agent);
    table.push_back({"sse_watches", std::to_string(w.delivered) + "/" + std::to_string(w.expected) +
                                        " delivered, first " + fixed(w.first_ms) + " ms, p50 " +
                                        fixed(w.p50_ms) + " ms, p99 " + fixed(w.p99_ms) + " ms, " +
                                        fixed(w.kib_each, 1) + " KiB each",
                     "-", "-", "all, p99 < 100 ms, < 32 KiB",
                     w.delivered == w.expected && w.p99_ms < 100 && w.kib_each < 32});
    out["sse_watches"] = {{"watches", opt.watches}, {"delivered", w.delivered},
                          {"expected", w.expected}, {"first_ms", w.first_ms},
                          {"p50_ms", w.p50_ms}, {"p99_ms", w.p99_ms},
                          {"kib_each", w.kib_each}};
  }

  int exit_status = server.stop(SIGTERM, std::chrono::seconds(10));
  if (opt.json) {
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << "| figure | tesserad | nginx (same bytes, 1 worker) | ratio | target | met |\n"
              << "|---|---|---|---|---|---|\n";
    for (auto& f : table)
      std::cout << "| " << f.name << " | " << f.tesserad << " | " << f.baseline << " | "
                << f.ratio << " | " << f.target << " | " << (f.met ? "yes" : "no") << " |\n";
  }
  if (exit_status != 0) {
    std::cerr << "bench_front: tesserad exited with status " << exit_status << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_front: tesserad's HTTP front against nginx serving the same bytes"};
  options opt;
  app.add_option("--seconds", opt.seconds, "length of each wrk run")->check(CLI::Range(1, 60));
  app.add_option("--connections", opt.connections, "wrk's keep-alive connections")
      ->check(CLI::Range(1, 1000));
  app.add_option("--idle", opt.idle, "idle keep-alive connections to hold")
      ->check(CLI::Range(1, 60000));
  app.add_option("--watches", opt.watches, "SSE watches to hold")->check(CLI::Range(1, 60000));
  app.add_option("--events", opt.events, "events sent to the watches, one a second")
      ->check(CLI::Range(1, 600));
  app.add_option("--server-threads", opt.server_threads, "tesserad's server.http_threads")
      ->check(CLI::Range(1, 256));
  app.add_option("--only", opt.only, "measure this figure alone")
      ->check(CLI::IsMember({"get_agent", "health", "health_64_idle", "idle_keep_alive",
                             "sse_watches"}));
  tessera::bench::add_output_options(app, opt.server_log_level, opt.json);
  CLI11_PARSE(app, argc, argv);
  return tessera::bench::run_guarded("bench_front", [&] { return run(opt); });
}
