// tessera heartbeat --key FILE [--every 30s]
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "config/load.hpp"
#include "output.hpp"

namespace tessera::cli {

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

struct heartbeat_options {
  std::string key;
  std::string every;  // empty: one heartbeat
};

std::string utc_now() {
  auto now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

nlohmann::json beat(signed_client& client, const agent_key& key) {
  return expect_success(client.send_signed("POST", agent_path(key.id) + "/heartbeat", "", key));
}

// Worth another try at the next tick: no answer, a bad answer, or a server-side
// or rate-limit error. Anything else (unknown agent, bad signature) will not heal.
bool transient(const cli_error& error) {
  if (error.exit == exit_unreachable || error.code == "invalid_response") return true;
  return error.code == "unavailable" || error.code == "timeout" || error.code == "internal" ||
         error.code.rfind("http_5", 0) == 0 || error.code == "http_408" ||
         error.code == "http_429" || error.code == "rate_limited";
}

// Waits until `deadline` or SIGINT/SIGTERM; true when a signal came.
bool wait_for_signal(const sigset_t& signals, steady_clock::time_point deadline) {
  for (;;) {
    auto left = deadline - steady_clock::now();
    if (left <= steady_clock::duration::zero()) left = steady_clock::duration::zero();
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    timespec timeout{static_cast<time_t>(ns / 1'000'000'000),
                     static_cast<long>(ns % 1'000'000'000)};
    int sig = sigtimedwait(&signals, nullptr, &timeout);
    if (sig > 0) return true;
    if (errno == EAGAIN) return false;  // the deadline passed
    // EINTR: some other signal; wait out the rest
  }
}

int run_once(const heartbeat_options& opts, const global_options& global) {
  auto key = load_key_file(opts.key);
  auto client = client_for(global);
  auto reply = beat(client, key);
  if (global.json)
    print_json(reply);
  else
    print_fields({{"id", text_of(json_at(reply, {"id"}))},
                  {"status", text_of(json_at(reply, {"status"}))},
                  {"next_deadline", text_of(json_at(reply, {"next_deadline"}))}});
  return exit_ok;
}

int run_loop(const heartbeat_options& opts, milliseconds every, const global_options& global) {
  auto key = load_key_file(opts.key);
  auto client = client_for(global);
  // Block SIGINT/SIGTERM and take them with sigtimedwait: a signal during a
  // request ends the loop after that request instead of tearing it down.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto next = steady_clock::now();
  for (;;) {
    try {
      auto reply = beat(client, key);
      if (global.json)
        print_json_line(reply);
      else
        std::cout << utc_now() << "  status: " << text_of(json_at(reply, {"status"}))
                  << "  next_deadline: " << text_of(json_at(reply, {"next_deadline"})) << std::endl;
    } catch (const cli_error& error) {
      if (!transient(error)) throw;
      std::cerr << utc_now() << "  ";
      report_error(error, false);
      if (global.json) print_json_line(error_document(error));
    }
    // Ticks stay on the original grid; a slow request skips ticks rather than piling up.
    auto now = steady_clock::now();
    while (next <= now) next += every;
    if (wait_for_signal(signals, next)) {
      if (!global.json) std::cerr << "stopped\n";
      return exit_ok;
    }
  }
}

}  // namespace

void add_heartbeat_command(CLI::App& app, const global_options& global, action& run) {
  auto opts = std::make_shared<heartbeat_options>();
  auto* cmd = app.add_subcommand("heartbeat", "Tell the registry the agent is alive");
  cmd->add_option("--key,-k", opts->key, "Agent key file")->required();
  cmd->add_option("--every", opts->every, "Keep beating at this interval (e.g. 30s, 1m) until ^C")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            auto d = config::parse_duration(text);
            if (!d || d->count() <= 0) return "must be a positive duration like 30s, 1m or 500ms";
            return {};
          },
          "DURATION"));
  cmd->callback([opts, &global, &run] {
    run = [opts, &global] {
      if (opts->every.empty()) return run_once(*opts, global);
      return run_loop(*opts, *config::parse_duration(opts->every), global);
    };
  });
}

}  // namespace tessera::cli
