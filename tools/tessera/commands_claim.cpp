// tessera claim --key FILE: binds the agent to the signed-in user. The user
// asks for a claim token, and the agent presents it in a request signed with
// its key; doing both here means the token never has to be copied around.
#include <memory>

#include "commands.hpp"
#include "key_file.hpp"
#include "output.hpp"
#include "user_client.hpp"

namespace tessera::cli {

namespace {

int run_claim(const std::string& key_path, const global_options& global) {
  auto key = load_key_file(key_path);  // a bad key file fails before a token is spent
  user_client client(global);
  auto issued =
      expect_success(client.send("POST", "/api/v1/claim-tokens", nlohmann::json::object()));
  auto token = json_at(issued, {"token"});
  if (!token.is_string())
    throw local_error("invalid_response", "the claim token answer has no \"token\"");
  auto body = nlohmann::json{{"token", token}}.dump();
  wipe(token.get_ref<std::string&>());
  auto response = client.http().send_signed("POST", agent_path(key.id) + "/claim", body, key);
  wipe(body);
  auto agent = expect_success(response);
  if (global.json)
    print_json(agent);
  else
    print_agent(agent);
  return exit_ok;
}

}  // namespace

void add_claim_command(CLI::App& app, const global_options& global, action& run) {
  auto key = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
      "claim", "Bind an agent to you (a claim token, then the agent's signature)");
  cmd->add_option("--key,-k", *key, "The agent's key file")->required();
  cmd->callback([key, &global, &run] { run = [key, &global] { return run_claim(*key, global); }; });
}

}  // namespace tessera::cli
