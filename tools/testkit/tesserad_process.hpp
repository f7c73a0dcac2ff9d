#pragma once
// What the integration tests and the benchmarks share to run a real tesserad:
// a temporary directory, a free loopback port, and the child process itself.
#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>

namespace tessera::testkit {

/// A fresh directory under the system temp dir, removed with its contents.
struct temp_dir {
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  std::filesystem::path path;
};

/// A loopback port that was free a moment ago (the kernel picks it).
int free_port();

/// The tesserad built next to the running executable (one CMake build dir).
std::filesystem::path sibling_binary(const std::string& name);

/// A tesserad child process with a given config; stdout and stderr go to `log`.
class tesserad_process {
public:
  tesserad_process(std::filesystem::path config, std::filesystem::path log, int port);
  ~tesserad_process();  // SIGKILL if still running
  tesserad_process(const tesserad_process&) = delete;
  tesserad_process& operator=(const tesserad_process&) = delete;

  /// Starts it and waits (bounded) until /api/v1/health answers 200; throws
  /// with the process's log when it exits or stays unhealthy.
  void start(std::chrono::seconds ready_within = std::chrono::seconds(15));
  /// Sends `signal`, waits up to `grace`, then SIGKILL. Returns the exit
  /// status (128+signal when killed by one), or -1 when it was not running.
  int stop(int signal = SIGTERM, std::chrono::seconds grace = std::chrono::seconds(30));
  /// SIGKILL without waiting or allocating (for a watchdog thread).
  void kill_now() const;

  bool running() const { return pid_ > 0; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }  // -1 when not running
  std::string log() const;

private:
  std::filesystem::path config_, log_;
  int port_;
  pid_t pid_ = -1;
};

/// Resident memory of a process, in KiB (VmRSS), or 0.
long rss_kib(pid_t pid);

}  // namespace tessera::testkit
