#pragma once
// Each add_* function declares its subcommands on the app; when one of them is
// chosen, its callback stores in `run` what to do after parsing.
#include <CLI/CLI.hpp>

#include "global_options.hpp"
#include "signed_client.hpp"

namespace tessera::cli {

void add_keygen_command(CLI::App& app, const global_options& global, action& run);
void add_card_commands(CLI::App& app, const global_options& global, action& run);
void add_lifecycle_commands(CLI::App& app, const global_options& global, action& run);
void add_heartbeat_command(CLI::App& app, const global_options& global, action& run);
void add_agents_commands(CLI::App& app, const global_options& global, action& run);
/// `agents watch`, under the `agents` command.
void add_watch_command(CLI::App& agents, const global_options& global, action& run);
void add_auth_commands(CLI::App& app, const global_options& global, action& run);
void add_keys_commands(CLI::App& app, const global_options& global, action& run);
void add_claim_command(CLI::App& app, const global_options& global, action& run);
void add_reputation_commands(CLI::App& app, const global_options& global, action& run);
void add_contacts_commands(CLI::App& app, const global_options& global, action& run);
void add_connect_command(CLI::App& app, const global_options& global, action& run);

/// A client for --server (already validated by its CLI11 check).
signed_client client_for(const global_options& global);

/// "/api/v1/agents/<id>" with the id percent-encoded.
std::string agent_path(const std::string& id);

}  // namespace tessera::cli
