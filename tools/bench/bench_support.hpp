#pragma once
// What the benchmarks share: a tesserad of their own, the loop every figure is
// driven by (so a figure and its baseline see the same client cost), a figure
// next to its baseline and how it is reported, and a watchdog. Header-only:
// CMake makes a benchmark of every tools/bench/*.cpp, so shared code can't be
// a .cpp here.
#include <CLI/CLI.hpp>
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "protocol/crypto.hpp"
#include "tools/testkit/tesserad_process.hpp"

namespace tessera::bench {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;
using testkit::temp_dir;

/// tesserad on a free port with its own config, SQLite database and log.
/// `extra_yaml` holds further top-level sections (not server, database,
/// rate_limit or logging, which this writes); `server_yaml` and
/// `rate_limit_yaml` further keys of those two (lines indented by two);
/// `postgres_dsn`, when set, is the database instead of SQLite.
inline std::unique_ptr<testkit::tesserad_process> make_server(
    const fs::path& dir, int http_threads, const std::string& log_level,
    const std::string& extra_yaml = "", const std::string& server_yaml = "",
    const std::string& rate_limit_yaml = "", const std::string& postgres_dsn = "") {
  auto port = testkit::free_port();
  auto config = dir / "tessera.yaml";
  std::ofstream out(config);
  out << "server:\n"
      << "  http_addr: \"127.0.0.1:" << port << "\"\n"
      << "  http_threads: " << http_threads << "\n"
      << server_yaml
      << "database:\n"
      << "  driver: " << (postgres_dsn.empty() ? "sqlite" : "postgres") << "\n"
      << "  dsn: \"" << (postgres_dsn.empty() ? (dir / "tessera.db").string() : postgres_dsn)
      << "\"\n"
      << "rate_limit:\n"  // the clients are one address sending as fast as they can
      << "  enabled: false\n"
      << rate_limit_yaml
      << "logging:\n"
      << "  level: " << log_level << "\n"
      << extra_yaml;
  return std::make_unique<testkit::tesserad_process>(config, dir / "tesserad.log", port);
}

struct run_result {
  size_t ok = 0;      // 2xx answers, or baseline work done (a commit, a password verified)
  size_t failed = 0;  // non-2xx answers or no answer, or baseline work that failed
  size_t unsent = 0;  // not attempted because the time limit was reached
  double seconds = 0;
  std::string first_error;
  size_t errors() const { return failed + unsent; }
  double rate() const { return seconds > 0 ? static_cast<double>(ok) / seconds : 0; }
};

/// `threads` threads take numbers 0..total-1 from a shared counter until the
/// deadline. Each thread calls make_worker() once, inside the timed span (it
/// makes the thread's own state, such as a connection), then worker(i) for
/// each number it takes; worker returns "" on success, else what went wrong.
template <class MakeWorker>
run_result drive_threads(int threads, size_t total, clock_type::time_point deadline,
                         MakeWorker make_worker) {
  std::atomic<size_t> next{0}, sent{0}, failed{0};
  std::mutex first_error_mutex;
  std::string first_error;
  auto body = [&] {
    auto worker = make_worker();
    for (size_t i = next++; i < total && clock_type::now() < deadline; i = next++) {
      sent += 1;
      auto error = worker(i);
      if (error.empty())
        continue;
      failed += 1;
      std::lock_guard lock(first_error_mutex);
      if (first_error.empty())
        first_error = std::move(error);
    }
  };
  auto start = clock_type::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back(body);
  for (auto& t : pool)
    t.join();
  run_result r;
  r.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  r.failed = failed;
  r.ok = sent - failed;
  r.unsent = total - sent;
  r.first_error = first_error;
  if (r.unsent && r.first_error.empty())
    r.first_error = "time limit reached";
  return r;
}

/// drive_threads with one keep-alive httplib::Client to port per thread:
/// send(client, i) makes request i; any answer outside 2xx counts as failed.
template <class Send>
run_result drive_clients(int port, int clients, size_t total, clock_type::time_point deadline,
                         Send send) {
  return drive_threads(clients, total, deadline, [port, &send] {
    auto cli = std::make_unique<httplib::Client>("127.0.0.1", port);
    cli->set_keep_alive(true);
    // As curl and browsers do: without it, a request written in two parts
    // (headers, then body) waits for the server's delayed ACK (~40 ms).
    cli->set_tcp_nodelay(true);
    cli->set_connection_timeout(std::chrono::seconds(2));
    cli->set_read_timeout(std::chrono::seconds(10));
    return [cli = std::move(cli), &send](size_t i) -> std::string {
      httplib::Result res = send(*cli, i);
      if (!res)
        return "no answer: " + httplib::to_string(res.error());
      if (res->status < 200 || res->status > 299)
        return "status " + std::to_string(res->status) + ": " + res->body;
      return {};
    };
  });
}

/// One figure of tesserad and its baseline from the same run.
struct comparison {
  const char* name;
  run_result server, baseline;
  double ratio() const { return baseline.rate() > 0 ? server.rate() / baseline.rate() : 0; }
  size_t errors() const { return server.errors() + baseline.errors(); }
};

inline std::string fmt_rate(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f/s", r);
  return buf;
}

inline std::string fmt_ratio(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", r);
  return buf;
}

/// One line for a run that had errors, nothing for one without.
inline void print_failures(const std::string& what, const run_result& r) {
  if (r.errors())
    std::cout << what << ": " << r.failed << " failed, " << r.unsent
              << " not sent; first error: " << r.first_error.substr(0, 300) << "\n";
}

inline void print_failures(const comparison& c) {
  print_failures(std::string(c.name) + " (tesserad)", c.server);
  print_failures(std::string(c.name) + " (baseline)", c.baseline);
}

inline nlohmann::json to_json(const run_result& r) {
  return {{"ok", r.ok},           {"failed", r.failed},
          {"unsent", r.unsent},   {"seconds", r.seconds},
          {"per_second", r.rate()}};
}

inline nlohmann::json to_json(const comparison& c) {
  nlohmann::json out = {
      {"tesserad", to_json(c.server)}, {"baseline", to_json(c.baseline)}, {"ratio", c.ratio()}};
  if (!c.server.first_error.empty() || !c.baseline.first_error.empty())
    out["first_error"] = c.server.first_error.empty() ? c.baseline.first_error
                                                      : c.server.first_error;
  return out;
}

/// Kills tesserad and exits 3 if the run hangs past its limit (a blocked
/// socket or a stuck commit would otherwise hold the bench forever).
class watchdog {
public:
  watchdog(const char* program, std::chrono::seconds limit, clock_type::time_point deadline,
           const testkit::tesserad_process& server)
      : thread_([this, program, limit, deadline, &server] {
          // Grace beyond the deadline: the loops notice it themselves, and a
          // client call is bounded by its read timeout.
          if (done_.get_future().wait_until(deadline + std::chrono::seconds(15)) ==
              std::future_status::timeout) {
            std::fprintf(stderr, "%s: hung past the %llds limit; aborting\n", program,
                         static_cast<long long>(limit.count()));
            server.kill_now();
            std::_Exit(3);
          }
        }) {}
  ~watchdog() {
    done_.set_value();
    thread_.join();
  }
  watchdog(const watchdog&) = delete;
  watchdog& operator=(const watchdog&) = delete;

private:
  std::promise<void> done_;
  std::thread thread_;
};

/// The options every bench has: tesserad's log level and JSON output.
inline void add_output_options(CLI::App& app, std::string& server_log_level, bool& json) {
  app.add_option("--server-log-level", server_log_level,
                 "tesserad's logging.level (info, the default, logs every request)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  app.add_flag("--json", json, "print one JSON object instead of text");
}

/// Runs a bench's body: exit 2 with the message on an exception.
template <class Run>
int run_guarded(const char* name, Run run) {
  // A peer closing a keep-alive connection must be an error code, not death.
  std::signal(SIGPIPE, SIG_IGN);
  crypto::init();
  try {
    return run();
  } catch (const std::exception& e) {
    std::cerr << name << ": " << e.what() << "\n";
    return 2;
  }
}

}  // namespace tessera::bench
