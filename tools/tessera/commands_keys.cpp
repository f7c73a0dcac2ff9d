// tessera keys create --name N [--agent ID] [--expires RFC3339];
// tessera keys list; tessera keys revoke KEY_ID
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "output.hpp"
#include "user_client.hpp"

namespace tessera::cli {

namespace {

const std::string keys_path = "/api/v1/auth/api-keys";

struct create_options {
  std::string name;
  std::string agent;
  std::string expires;
};

int run_create(const create_options& opts, const global_options& global) {
  nlohmann::json body = {{"name", opts.name}};
  if (!opts.agent.empty()) body["agent_id"] = opts.agent;
  if (!opts.expires.empty()) body["expires_at"] = opts.expires;
  user_client client(global);
  auto key = expect_success(client.send("POST", keys_path, body));
  // Printing the key is the point: the server shows it this once.
  if (global.json) {
    print_json(key);
    return exit_ok;
  }
  print_fields({{"id", text_of(json_at(key, {"id"}))},
                {"name", text_of(json_at(key, {"name"}))},
                {"prefix", text_of(json_at(key, {"prefix"}))},
                {"agent_id", text_of(json_at(key, {"agent_id"}))},
                {"expires_at", text_of(json_at(key, {"expires_at"}))},
                {"key", text_of(json_at(key, {"key"}))}});
  std::cerr << "note: the key is shown only this once; store it now (use it as TESSERA_API_KEY or "
               "Authorization: Bearer <key>)\n";
  return exit_ok;
}

int run_list(const global_options& global) {
  user_client client(global);
  auto answer = expect_success(client.send("GET", keys_path));
  auto keys = json_at(answer, {"api_keys"});
  if (!keys.is_array())
    throw local_error("invalid_response", "the key list has no \"api_keys\" array");
  if (global.json) {
    print_json(answer);
    return exit_ok;
  }
  if (keys.empty()) {
    std::cout << "no API keys" << std::endl;
    return exit_ok;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& k : keys) {
    rows.push_back({text_of(json_at(k, {"id"})), text_of(json_at(k, {"name"})),
                    text_of(json_at(k, {"prefix"})), text_of(json_at(k, {"agent_id"})),
                    text_of(json_at(k, {"created_at"})), text_of(json_at(k, {"expires_at"})),
                    text_of(json_at(k, {"last_used_at"}))});
  }
  print_table({"ID", "NAME", "PREFIX", "AGENT", "CREATED", "EXPIRES", "LAST USED"}, rows);
  return exit_ok;
}

int run_revoke(const std::string& id, const global_options& global) {
  user_client client(global);
  expect_success(client.send("DELETE", keys_path + "/" + percent_encode(id)));
  if (global.json)
    print_json({{"id", id}, {"revoked", true}});
  else
    print_fields({{"id", sanitize(id)}, {"revoked", "yes"}});
  return exit_ok;
}

}  // namespace

void add_keys_commands(CLI::App& app, const global_options& global, action& run) {
  auto* keys = app.add_subcommand("keys", "Manage your API keys (tsk_...)");
  keys->require_subcommand(1);

  auto opts = std::make_shared<create_options>();
  auto* create = keys->add_subcommand("create", "Create an API key and print it (only this once)");
  create->add_option("--name,-n", opts->name, "What the key is for")->required();
  create->add_option("--agent", opts->agent, "Scope the key to one of your agents (its id)");
  create->add_option("--expires", opts->expires, "Expiry, RFC 3339 (e.g. 2027-01-31T00:00:00Z)");
  create->callback(
      [opts, &global, &run] { run = [opts, &global] { return run_create(*opts, global); }; });

  keys->add_subcommand("list", "List your live API keys (never the keys themselves)")
      ->callback([&global, &run] { run = [&global] { return run_list(global); }; });

  auto id = std::make_shared<std::string>();
  auto* revoke = keys->add_subcommand("revoke", "Revoke an API key");
  revoke->add_option("key_id", *id, "The key's id (key_...)")->required();
  revoke->callback(
      [id, &global, &run] { run = [id, &global] { return run_revoke(*id, global); }; });
}

}  // namespace tessera::cli
