// tessera keygen [--out FILE] [--force]
#include <memory>

#include "commands.hpp"
#include "key_file.hpp"
#include "output.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/encoding.hpp"

namespace tessera::cli {

namespace {

struct keygen_options {
  std::string out = "./agent.key";
  bool force = false;
};

int run_keygen(const keygen_options& opts, const global_options& global) {
  auto key = generate_agent_key();
  write_key_file(opts.out, key, opts.force);
  auto did = agent_id::to_did(key.id);
  auto public_key = encoding::base64url_encode(key.pair.public_key);
  if (global.json) {
    print_json({{"id", key.id}, {"did", did}, {"public_key", public_key}, {"key_file", opts.out}});
  } else {
    print_fields(
        {{"id", key.id}, {"did", did}, {"public_key", public_key}, {"key_file", opts.out}});
  }
  return exit_ok;
}

}  // namespace

void add_keygen_command(CLI::App& app, const global_options& global, action& run) {
  auto opts = std::make_shared<keygen_options>();
  auto* cmd = app.add_subcommand("keygen", "Create a new Ed25519 agent key file (mode 0600)");
  cmd->add_option("--out,-o", opts->out, "Key file to create")->capture_default_str();
  cmd->add_flag("--force,-f", opts->force, "Replace an existing key file (atomically)");
  cmd->callback(
      [opts, &global, &run] { run = [opts, &global] { return run_keygen(*opts, global); }; });
}

}  // namespace tessera::cli
