#include "card_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cli_error.hpp"
#include "protocol/agent_card.hpp"
#include "protocol/json_body.hpp"

namespace tessera::cli {

nlohmann::json read_json_file(const std::string& path) {
  std::string text;
  std::string name = path == "-" ? "stdin" : path;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw local_error("io_error", "cannot open " + name + ": " + std::strerror(errno));
    std::ostringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  }
  // The same limits the server applies to a card body.
  problem err;
  auto doc = json_body::parse(text, name, err);
  if (!doc) throw local_error("invalid_json", err.message);
  if (!doc->is_object()) throw local_error("invalid_json", name + ": must be a JSON object");
  return std::move(*doc);
}

void write_text_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw local_error("io_error", "cannot create " + path + ": " + std::strerror(errno));
  out << text;
  out.close();
  if (!out) throw local_error("io_error", "cannot write " + path);
}

nlohmann::json sign_card(const nlohmann::json& card, const agent_key& key) {
  auto signed_card = card::sign(card, key.pair);
  problem err;
  auto parsed = card::parse(signed_card, err);
  if (!parsed) {
    std::string code = err.code == ec::none ? "invalid_card" : to_string(err.code);
    throw local_error(code, err.message);
  }
  if (parsed->id != key.id)  // would be a bug in card::sign, but cheap to rule out
    throw local_error("invalid_card",
                      "signed card id " + parsed->id + " is not the key's " + key.id);
  return signed_card;
}

nlohmann::json ensure_signed(const nlohmann::json& card, const agent_key& key, bool& signed_here) {
  // "Already signed by this key" is decided by the server's own check: a card
  // that parses (valid signature) with this key's id goes out untouched; one
  // that is unsigned, signed by another key, or edited since signing is signed.
  problem err;
  auto parsed = card::parse(card, err);
  signed_here = !parsed || parsed->id != key.id;
  return signed_here ? sign_card(card, key) : card;
}

}  // namespace tessera::cli
