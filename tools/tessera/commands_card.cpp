// tessera card sign --key FILE --in CARD.json [--out SIGNED.json]
#include <memory>

#include "card_file.hpp"
#include "commands.hpp"
#include "output.hpp"

namespace tessera::cli {

namespace {

struct card_sign_options {
  std::string key;
  std::string in;
  std::string out;  // empty: stdout
};

int run_card_sign(const card_sign_options& opts, const global_options& global) {
  auto key = load_key_file(opts.key);
  auto signed_card = sign_card(read_json_file(opts.in), key);
  if (opts.out.empty()) {
    print_json(signed_card);  // the card is the output, --json or not
    return exit_ok;
  }
  write_text_file(opts.out, signed_card.dump(2) + "\n");
  if (global.json)
    print_json({{"id", key.id}, {"out", opts.out}});
  else
    print_fields({{"id", key.id}, {"out", opts.out}});
  return exit_ok;
}

}  // namespace

void add_card_commands(CLI::App& app, const global_options& global, action& run) {
  auto* card = app.add_subcommand("card", "Work with agent cards");
  card->require_subcommand(1);

  auto opts = std::make_shared<card_sign_options>();
  auto* sign = card->add_subcommand("sign", "Sign a card with the agent key and check it");
  sign->add_option("--key,-k", opts->key, "Agent key file")->required();
  sign->add_option("--in,-i", opts->in, "Card to sign (JSON; - for stdin)")->required();
  sign->add_option("--out,-o", opts->out, "Where to write the signed card (default: stdout)");
  sign->callback(
      [opts, &global, &run] { run = [opts, &global] { return run_card_sign(*opts, global); }; });
}

}  // namespace tessera::cli
