// tesserad: loads the configuration, opens the database, spawns the actors,
// serves HTTP until SIGINT/SIGTERM, then shuts down in order and exits 0.
// `tesserad admin create` makes an admin account instead.
#include <CLI/CLI.hpp>
#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <csignal>
#include <filesystem>
#include <iostream>
#include <thread>
#include <vector>

#include "actors/messages.hpp"
#include "actors/node.hpp"
#include "config/load.hpp"
#include "config/public_url.hpp"
#include "config/startup_checks.hpp"
#include "http/server.hpp"
#include "protocol/crypto.hpp"
#include "tools/tesserad/admin_create.hpp"
#include "tools/tesserad/logging.hpp"

namespace {

constexpr const char* default_config = "./tessera.yaml";

void print_errors(const std::string& path,
                  const std::vector<tessera::config::config_error>& errors) {
  std::cerr << "tesserad: invalid configuration in " << path << ":\n";
  for (const auto& e : errors)
    std::cerr << "  " << (e.key.empty() ? "(file)" : e.key) << ": " << e.message << "\n";
}

/// Reads --config (or ./tessera.yaml if present, else defaults); prints every
/// problem and returns false when the configuration is unusable.
bool load_settings(const std::string& path, bool explicit_path, tessera::config::settings& out) {
  using namespace tessera::config;
  load_result loaded;
  if (explicit_path || std::filesystem::exists(path))
    loaded = load_file(path, process_env());
  if (!loaded.ok()) {
    print_errors(path, loaded.errors);
    return false;
  }
  out = loaded.value;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tesserad: the Tessera trust gateway for AI agents"};
  std::string config_path = default_config;
  bool print_config = false;
  bool dev = false;
  auto* config_opt = app.add_option("--config", config_path,
                                    "YAML configuration (default ./tessera.yaml if present)");
  app.add_flag("--print-config", print_config,
               "print the effective configuration (secrets redacted) and exit");
  app.add_flag("--dev", dev,
               "development: a missing user_auth.jwt_secret becomes a random one for this run");
  app.set_version_flag("--version", "tesserad 0.1.0");
  auto* admin = app.add_subcommand("admin", "account administration, without a running server");
  admin->require_subcommand(1);
  tessera::admin_create_command admin_create(*admin, default_config);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error is 2, like a bad configuration.
    return app.exit(e) == 0 ? 0 : 2;
  }

  tessera::config::settings settings;
  if (admin_create.chosen()) {
    if (!load_settings(admin_create.config_path(), admin_create.config_given(), settings))
      return 2;
    tessera::crypto::init();
    return admin_create.run(settings);
  }
  if (!load_settings(config_path, config_opt->count() > 0, settings))
    return 2;
  if (print_config) {
    std::cout << tessera::config::to_yaml(settings);
    return 0;
  }
  tessera::setup_logging(settings.logging);
  tessera::crypto::init();
  auto mode = dev ? tessera::config::run_mode::dev : tessera::config::run_mode::deployment;
  auto checked = tessera::config::check_for_mode(settings, mode);
  if (!checked.ok()) {
    print_errors(config_path, checked.errors);
    return 2;
  }
  for (const auto& warning : checked.warnings)
    spdlog::warn("{}", warning);

  // Block the stop signals in every thread (threads inherit the mask); the
  // main thread takes them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  caf::actor_system_config cfg;
  tessera::register_messages(cfg);
  // One scheduler thread per core unless configured (CAF's own default is at
  // least 4, which on 2 cores only adds context switches).
  auto threads = settings.actors.threads > 0
                     ? static_cast<size_t>(settings.actors.threads)
                     : std::max<size_t>(1, std::thread::hardware_concurrency());
  cfg.set("scheduler.max-threads", threads);
  // CAF's work stealing lets an idle worker poll 100 times, then 500 times
  // more with a 50 us sleep between polls: on 2 cores that is a context
  // switch per poll, and a message sent meanwhile waits for the sleep. With
  // no moderate phase the worker goes from its busy polls straight to waiting
  // on its queue, where a message wakes it at once (measured on this 2-core
  // box: a sequential request/reply through one actor 113 -> 38 us).
  cfg.set("work-stealing.moderate-poll-attempts", size_t{0});
  caf::actor_system sys{cfg};

  std::unique_ptr<tessera::node> node;
  try {
    node = std::make_unique<tessera::node>(sys, settings);
  } catch (const std::exception& e) {
    spdlog::critical("startup failed: {}", e.what());
    return 1;
  }
  tessera::http::server http{sys, settings, node->actors()};
  std::string why;
  int port = http.bind(why);
  if (port < 0) {
    spdlog::critical("startup failed: {}", why);
    node->shutdown();
    return 1;
  }
  http.start();
  if (settings.signaling.enabled)
    spdlog::info("signaling on {} path /api/v1/signaling broker={} node_id={}",
                 settings.signaling.ws_addr.empty()
                     ? "server.http_addr"
                     : settings.signaling.ws_addr + " port " + std::to_string(http.signaling_port()),
                 settings.signaling.broker, node->actors().node_id);
  if (settings.bridge.enabled) {
    const auto& node_key = *node->actors().identity;
    spdlog::info("bridge on /mcp/{{agent_id}}: calls signed by {} policy={}", node_key.did(),
                 settings.bridge.policy);
    if (node_key.ephemeral)
      spdlog::warn("bridge.node_key is not set: calls are signed with a key made at start, which "
                   "agents can't pin across restarts (set it to the private_key of a tessera "
                   "keygen key file)");
  }
  spdlog::info("tesserad listening http_addr={} port={} public_url={} database={} schema_version={} "
               "replay_store={}",
               settings.server.http_addr, port, tessera::config::public_origin(settings),
               settings.database.driver, node->schema_version(), tessera::replay_store_of(settings));

  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("shutdown signal={}: finishing in-flight requests", sig == SIGINT ? "SIGINT" : "SIGTERM");
  http.stop();
  node->shutdown();
  node.reset();
  spdlog::info("shutdown complete");
  return 0;
}
