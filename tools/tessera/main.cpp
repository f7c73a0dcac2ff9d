// tessera: the command-line client of Tessera. Exit codes: 0 ok, 1 error
// (server or local), 2 usage, 3 server unreachable (see cli_error.hpp).
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli_error.hpp"
#include "commands.hpp"
#include "global_options.hpp"
#include "output.hpp"
#include "server_url.hpp"

using namespace tessera::cli;

int main(int argc, char** argv) {
  CLI::App app{"tessera: the Tessera command-line client", "tessera"};
  app.require_subcommand(1);
  // Let --server/--json follow the subcommand too (set before adding subcommands,
  // which inherit it).
  app.fallthrough();

  global_options global;
  app.add_option("--server,-s", global.server, "Server URL, http(s)://host[:port]")
      ->envname("TESSERA_SERVER")
      ->capture_default_str()
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            std::string err;
            return parse_server_url(text, err) ? std::string() : err;
          },
          "URL"));
  app.add_flag("--json", global.json, "Machine-readable JSON on stdout");

  action run;
  add_keygen_command(app, global, run);
  add_card_commands(app, global, run);
  add_lifecycle_commands(app, global, run);
  add_heartbeat_command(app, global, run);
  add_agents_commands(app, global, run);
  add_auth_commands(app, global, run);
  add_keys_commands(app, global, run);
  add_claim_command(app, global, run);
  add_reputation_commands(app, global, run);
  add_contacts_commands(app, global, run);
  add_connect_command(app, global, run);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints help (exit 0) or the usage error; every usage error is exit 2.
    return app.exit(e) == 0 ? exit_ok : exit_usage;
  }

  try {
    return run();
  } catch (const cli_error& e) {
    report_error(e, global.json);
    return e.exit;
  } catch (const std::exception& e) {
    report_error(cli_error(exit_failed, "internal", e.what()), global.json);
    return exit_failed;
  }
}
