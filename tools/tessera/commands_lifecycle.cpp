// tessera register|update --key FILE --card CARD.json; tessera deregister --key FILE
#include <iostream>
#include <memory>

#include "card_file.hpp"
#include "commands.hpp"
#include "output.hpp"

namespace tessera::cli {

namespace {

struct card_options {
  std::string key;
  std::string card;
};

// Register (POST) and update (PUT) differ only in method and path.
int send_card(const std::string& method, const card_options& opts, const global_options& global) {
  auto key = load_key_file(opts.key);
  bool signed_here = false;
  auto card = ensure_signed(read_json_file(opts.card), key, signed_here);
  if (signed_here)
    std::cerr << "note: " << opts.card << " had no valid signature by this key; signed it as "
              << key.id << "\n";
  auto path = method == "POST" ? std::string("/api/v1/agents") : agent_path(key.id);
  auto client = client_for(global);
  auto agent = expect_success(client.send_signed(method, path, card.dump(), key));
  if (global.json)
    print_json(agent);
  else
    print_agent(agent);
  return exit_ok;
}

int run_deregister(const std::string& key_path, const global_options& global) {
  auto key = load_key_file(key_path);
  auto client = client_for(global);
  expect_success(client.send_signed("DELETE", agent_path(key.id), "", key));
  if (global.json)
    print_json({{"id", key.id}, {"deregistered", true}});
  else
    print_fields({{"id", key.id}, {"deregistered", "yes"}});
  return exit_ok;
}

void add_card_command(CLI::App& app, const char* name, const char* method, const char* help,
                      const global_options& global, action& run) {
  auto opts = std::make_shared<card_options>();
  auto* cmd = app.add_subcommand(name, help);
  cmd->add_option("--key,-k", opts->key, "Agent key file")->required();
  cmd->add_option("--card,-c", opts->card, "Agent card (JSON; signed here if needed; - for stdin)")
      ->required();
  std::string m = method;
  cmd->callback([opts, m, &global, &run] {
    run = [opts, m, &global] { return send_card(m, *opts, global); };
  });
}

}  // namespace

void add_lifecycle_commands(CLI::App& app, const global_options& global, action& run) {
  add_card_command(app, "register", "POST", "Register the agent with its signed card", global, run);
  add_card_command(app, "update", "PUT", "Replace the agent's card (same key)", global, run);

  auto key = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("deregister", "Remove the agent from the registry");
  cmd->add_option("--key,-k", *key, "Agent key file")->required();
  cmd->callback(
      [key, &global, &run] { run = [key, &global] { return run_deregister(*key, global); }; });
}

}  // namespace tessera::cli
