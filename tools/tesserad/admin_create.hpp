#pragma once
// tesserad admin create --email E [--config F]: makes an admin account
// straight in the database, so the first admin exists without a default
// password. The password comes from stdin and is never printed.
#include <CLI/CLI.hpp>

#include <string>

#include "config/settings.hpp"

namespace tessera {

class admin_create_command {
public:
  /// Adds `create` under `admin` (the `tesserad admin` subcommand); `--config`
  /// defaults to `default_config`.
  admin_create_command(CLI::App& admin, std::string default_config);

  bool chosen() const { return command_->parsed(); }
  const std::string& config_path() const { return config_path_; }
  bool config_given() const { return config_option_->count() > 0; }

  /// Reads the password, creates the user and prints its id. Returns the exit
  /// status: 0 created, 1 not created (the email exists, the database failed),
  /// 2 bad input (email, password).
  int run(const config::settings& s) const;

private:
  CLI::App* command_;
  CLI::Option* config_option_;
  std::string email_;
  std::string config_path_;
};

}  // namespace tessera
