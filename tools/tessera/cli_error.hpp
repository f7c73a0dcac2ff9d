#pragma once
// The one way a command fails: main() catches cli_error, prints it (and its
// JSON form with --json) and exits with its code. Commands never call exit().
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace tessera::cli {

enum exit_code : int {
  exit_ok = 0,
  exit_failed = 1,       // the server answered with an error, or a local file/card is bad
  exit_usage = 2,        // CLI11 parse and validation errors
  exit_unreachable = 3,  // no HTTP answer at all (connect, TLS, timeout)
};

struct cli_error : std::runtime_error {
  int exit;
  std::string code;     // snake_case, e.g. "agent_exists", "key_file", "unreachable"
  nlohmann::json body;  // the server's error document, when there is one
  cli_error(int exit, std::string code, const std::string& message, nlohmann::json body = nullptr)
      : std::runtime_error(message), exit(exit), code(std::move(code)), body(std::move(body)) {}
};

/// A local problem (bad file, bad card): exit 1 with a code naming the kind.
inline cli_error local_error(std::string code, const std::string& message) {
  return cli_error(exit_failed, std::move(code), message);
}

}  // namespace tessera::cli
