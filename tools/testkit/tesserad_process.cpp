#include "tools/testkit/tesserad_process.hpp"

#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace tessera::testkit {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

temp_dir::temp_dir() {
  std::string tmpl = (fs::temp_directory_path() / "tessera-test-XXXXXX").string();
  if (!::mkdtemp(tmpl.data()))
    throw std::runtime_error("mkdtemp failed");
  path = tmpl;
}

temp_dir::~temp_dir() {
  std::error_code ignored;
  fs::remove_all(path, ignored);
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0)
      ::close(fd);
    throw std::runtime_error("free_port: cannot bind a loopback socket");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

fs::path sibling_binary(const std::string& name) {
  return fs::read_symlink("/proc/self/exe").parent_path() / name;
}

tesserad_process::tesserad_process(fs::path config, fs::path log, int port)
    : config_(std::move(config)), log_(std::move(log)), port_(port) {}

tesserad_process::~tesserad_process() {
  if (pid_ > 0)
    stop(SIGKILL);
}

void tesserad_process::start(std::chrono::seconds ready_within) {
  auto exe = sibling_binary("tesserad");
  if (!fs::exists(exe))
    throw std::runtime_error(exe.string() + " not found; build the tesserad target");
  // Everything the child needs is prepared before fork: after fork only
  // async-signal-safe calls are allowed in a multi-threaded parent.
  std::string exe_s = exe.string(), config_s = config_.string(), log_s = log_.string();
  pid_ = ::fork();
  if (pid_ < 0)
    throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // don't outlive a killed test or bench
    int log_fd = ::open(log_s.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::execl(exe_s.c_str(), exe_s.c_str(), "--config", config_s.c_str(), nullptr);
    ::_exit(127);
  }
  httplib::Client cli("127.0.0.1", port_);
  cli.set_connection_timeout(std::chrono::milliseconds(200));
  cli.set_read_timeout(std::chrono::seconds(2));
  auto give_up = clock_type::now() + ready_within;
  while (clock_type::now() < give_up) {
    if (auto res = cli.Get("/api/v1/health"); res && res->status == 200)
      return;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("tesserad exited at start:\n" + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("tesserad did not become healthy within " +
                           std::to_string(ready_within.count()) + " s:\n" + log());
}

int tesserad_process::stop(int signal, std::chrono::seconds grace) {
  if (pid_ <= 0)
    return -1;
  ::kill(pid_, signal);
  int status = 0;
  auto give_up = clock_type::now() + grace;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (clock_type::now() > give_up) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void tesserad_process::kill_now() const {
  if (pid_ > 0)
    ::kill(pid_, SIGKILL);
}

std::string tesserad_process::log() const {
  std::ifstream in(log_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stol(line.substr(6));
  return 0;
}

}  // namespace tessera::testkit
