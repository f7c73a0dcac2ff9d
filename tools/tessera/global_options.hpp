#pragma once
// Options every command accepts; they live on the top-level app and CLI11's
// fallthrough lets them appear after the subcommand too.
#include <functional>
#include <string>

namespace tessera::cli {

struct global_options {
  std::string server = "http://127.0.0.1:8080";  // --server, or $TESSERA_SERVER
  bool json = false;                             // --json: machine output on stdout
};

/// What the chosen subcommand does once parsing is over; returns the exit code.
using action = std::function<int()>;

}  // namespace tessera::cli
