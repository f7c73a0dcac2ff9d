#include "tools/tesserad/admin_create.hpp"

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <optional>

#include "actors/clock.hpp"
#include "protocol/account.hpp"
#include "protocol/password.hpp"
#include "protocol/secret_token.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "storage/user_repository.hpp"

namespace tessera {

namespace {

constexpr size_t max_email_length = 254;

// Trimmed, lower case, one '@', a dot inside the domain: the same rules as the HTTP API
// (http/body.cpp), so the admin logs in with the address as typed here.
std::optional<std::string> normalize_email(const std::string& text) {
  auto first = text.find_first_not_of(" \t");
  auto last = text.find_last_not_of(" \t");
  std::string email = first == std::string::npos ? "" : text.substr(first, last - first + 1);
  std::transform(email.begin(), email.end(), email.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto at = email.find('@');
  bool ok = email.size() <= max_email_length && at != std::string::npos && at > 0 &&
            email.find('@', at + 1) == std::string::npos && email.find(' ') == std::string::npos;
  if (ok) {
    auto dot = email.find('.', at + 1);
    ok = dot != std::string::npos && dot > at + 1 && dot + 1 < email.size();
  }
  if (!ok) return std::nullopt;
  return email;
}

// Terminal echo off for as long as it lives, so a typed password does not show.
class echo_off {
public:
  echo_off() : restore_(::tcgetattr(STDIN_FILENO, &saved_) == 0) {
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    if (restore_) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  ~echo_off() {
    if (restore_) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }
  echo_off(const echo_off&) = delete;
  echo_off& operator=(const echo_off&) = delete;

private:
  termios saved_{};
  bool restore_;
};

// One line of stdin without its line end; nullopt at end of input. On a terminal it prompts
// on stderr (stdout carries only the new user id) and does not echo.
std::optional<std::string> read_line(bool terminal, const char* prompt) {
  std::string line;
  bool got = false;
  if (terminal) {
    std::cerr << prompt << std::flush;
    echo_off quiet;
    got = static_cast<bool>(std::getline(std::cin, line));
    std::cerr << "\n";
  } else {
    got = static_cast<bool>(std::getline(std::cin, line));
  }
  if (!got) return std::nullopt;
  // A password file saved on Windows ends its line with \r\n.
  if (line.ends_with('\r')) line.pop_back();
  return line;
}

// From a terminal the password is typed twice, since nobody sees it; from a pipe it is the
// first line, and an empty pipe is refused rather than taken as an empty password.
std::optional<std::string> read_password(std::string& why) {
  bool terminal = ::isatty(STDIN_FILENO) == 1;
  auto password = read_line(terminal, "password: ");
  if (!password || (!terminal && password->empty())) {
    why = "no password on stdin: pipe it in as one line, e.g. "
          "tesserad admin create --email E < password-file";
    return std::nullopt;
  }
  if (terminal && read_line(terminal, "password again: ") != password) {
    why = "the two passwords differ";
    return std::nullopt;
  }
  return password;
}

}  // namespace

admin_create_command::admin_create_command(CLI::App& admin, std::string default_config)
    : config_path_(std::move(default_config)) {
  command_ = admin.add_subcommand(
      "create", "create an admin user; the password is read from stdin (one line)");
  command_->add_option("--email", email_, "the admin's email address")->required();
  config_option_ = command_->add_option(
      "--config", config_path_, "YAML configuration (default ./tessera.yaml if present)");
}

int admin_create_command::run(const config::settings& s) const {
  auto email = normalize_email(email_);
  if (!email) {
    std::cerr << "tesserad: --email: expected an address like name@example.com\n";
    return 2;
  }
  std::string why;
  auto pw = read_password(why);
  if (!pw) {
    std::cerr << "tesserad: " << why << "\n";
    return 2;
  }
  if (auto weak = password::weakness(*pw, *email)) {
    std::cerr << "tesserad: " << *weak << "\n";
    return 2;
  }

  user_record user;
  user.id = secret_token::generate_id("usr_");
  user.email = *email;
  user.display_name = email->substr(0, email->find('@'));
  user.role = "admin";
  user.created_at = user.updated_at = now_ms();
  try {
    user.password_hash =
        password::hash(*pw, {static_cast<unsigned long long>(s.user_auth.password_hash_ops),
                             s.user_auth.password_hash_memory});
  } catch (const std::exception& e) {
    std::cerr << "tesserad: cannot hash the password: " << e.what() << "\n";
    return 1;
  }
  try {
    auto dialect = storage::dialect_of(s.database);
    auto sql = storage::open_session(s.database, storage::session_role::writer);
    storage::migrate(*sql, dialect);
    storage::write_transaction tx(*sql, dialect);
    // Not promoted: turning an existing account into an admin is the admin API's job, where
    // it is audited, and a typo here must not hand admin rights to a stranger's account.
    if (!storage::users::insert(*sql, user)) {
      std::cerr << "tesserad: a user with this email exists: " << *email << "\n";
      return 1;
    }
    tx.commit();
  } catch (const std::exception& e) {
    std::cerr << "tesserad: database (" << s.database.driver << "): " << e.what() << "\n";
    return 1;
  }
  std::cout << user.id << "\n";
  return 0;
}

}  // namespace tessera
