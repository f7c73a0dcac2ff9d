#include "password_input.hpp"

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>

#include "cli_error.hpp"
#include "key_file.hpp"

namespace tessera::cli {

namespace {

// Longer than any password the server accepts, short enough to notice a file
// piped in by mistake.
constexpr size_t max_password_bytes = 1024;

termios saved_terminal;

// Ctrl-C at the prompt must not leave the terminal without echo.
extern "C" void restore_and_reraise(int sig) {
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_terminal);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

std::string read_line() {
  std::string line;
  char c;
  ssize_t n;
  while ((n = ::read(STDIN_FILENO, &c, 1)) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      wipe(line);
      throw local_error("password", "cannot read the password from stdin");
    }
    if (c == '\n') break;
    if (line.size() == max_password_bytes) {
      wipe(line);
      throw local_error("password", "the first line of stdin is too long to be a password");
    }
    line += c;
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// Echo off (the typed newline still shows) until destroyed.
class echo_off {
 public:
  echo_off() {
    termios quiet = saved_terminal;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    struct sigaction restore {};
    restore.sa_handler = restore_and_reraise;
    ::sigaction(SIGINT, &restore, &old_int_);
    ::sigaction(SIGTERM, &restore, &old_term_);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  ~echo_off() {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_terminal);
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }
  echo_off(const echo_off&) = delete;
  echo_off& operator=(const echo_off&) = delete;

 private:
  struct sigaction old_int_ {
  }, old_term_{};
};

std::string prompt_without_echo() {
  if (::tcgetattr(STDIN_FILENO, &saved_terminal) != 0)
    throw cli_error(exit_usage, "usage",
                    "stdin is not a terminal: pass --password-stdin to read the password from it");
  std::cerr << "Password: " << std::flush;
  echo_off quiet;
  return read_line();
}

}  // namespace

std::string read_password(bool from_stdin) {
  auto password = from_stdin ? read_line() : prompt_without_echo();
  if (password.empty()) throw local_error("password", "the password is empty");
  return password;
}

}  // namespace tessera::cli
