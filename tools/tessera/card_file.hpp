#pragma once
// Reading, signing and checking agent cards with the same protocol/ code the
// server verifies them with, so a card the CLI accepts is one the server will.
#include <nlohmann/json.hpp>
#include <string>

#include "key_file.hpp"

namespace tessera::cli {

/// Reads a JSON object from a file ("-" is stdin); throws cli_error (code "io_error" or
/// "invalid_json").
nlohmann::json read_json_file(const std::string& path);

/// Writes `text` to `path` (replacing it), or throws cli_error (code "io_error").
void write_text_file(const std::string& path, const std::string& text);

/// card::sign with the key, then card::parse; throws cli_error with the
/// parser's code and message (e.g. "invalid_request: name: must be ...").
nlohmann::json sign_card(const nlohmann::json& card, const agent_key& key);

/// Returns the card as is when it already carries a valid signature by this
/// key; otherwise signs it (sign_card) and sets `signed_here`.
nlohmann::json ensure_signed(const nlohmann::json& card, const agent_key& key, bool& signed_here);

}  // namespace tessera::cli
