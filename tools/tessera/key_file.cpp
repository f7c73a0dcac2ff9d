#include "key_file.hpp"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "cli_error.hpp"
#include "private_file.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/encoding.hpp"

namespace tessera::cli {

namespace {

constexpr size_t max_key_file_bytes = 64 * 1024;

cli_error key_error(const std::string& path, const std::string& what) {
  return local_error("key_file", path + ": " + what);
}

std::string string_field(const nlohmann::json& doc, const char* name, const std::string& path) {
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_string())
    throw key_error(path, std::string("\"") + name + "\" is missing or not a string");
  return it->get<std::string>();
}

}  // namespace

agent_key::~agent_key() {
  wipe(pair.secret_key);
}

void wipe(std::string& secret) {
  if (!secret.empty()) sodium_memzero(secret.data(), secret.size());
  secret.clear();
}

agent_key generate_agent_key() {
  crypto::init();
  agent_key key;
  key.pair = crypto::generate_key_pair();
  key.id = agent_id::from_public_key(key.pair.public_key);
  return key;
}

agent_key load_key_file(const std::string& path) {
  crypto::init();
  auto text = read_private_file(path, "key file", "key_file", max_key_file_bytes);
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // Not e.what(): nlohmann quotes the text it choked on, which may be the secret.
    wipe(text);
    throw key_error(path, "not valid JSON (at byte " + std::to_string(e.byte) + ")");
  } catch (const nlohmann::json::exception&) {
    wipe(text);
    throw key_error(path, "not valid JSON (a number is out of range)");
  }
  wipe(text);
  if (!doc.is_object()) throw key_error(path, "must be a JSON object");
  auto type = string_field(doc, "type", path);
  if (type != "ed25519")
    throw key_error(path, "\"type\" must be \"ed25519\", not \"" + type + "\"");

  auto& private_text = doc["private_key"];
  if (!private_text.is_string())
    throw key_error(path, "\"private_key\" is missing or not a string");
  auto seed = encoding::base64url_decode(private_text.get_ref<const std::string&>());
  wipe(private_text.get_ref<std::string&>());
  if (!seed) throw key_error(path, "\"private_key\" is not base64url (no padding)");
  if (seed->size() != crypto::seed_size) {
    auto size = seed->size();
    wipe(*seed);
    throw key_error(
        path, "\"private_key\" must be a 32-byte seed, not " + std::to_string(size) + " bytes");
  }
  agent_key key;
  key.pair = crypto::key_pair_from_seed(*seed);
  wipe(*seed);
  key.id = agent_id::from_public_key(key.pair.public_key);

  auto public_key = encoding::base64url_decode(string_field(doc, "public_key", path));
  if (!public_key || public_key->size() != crypto::public_key_size)
    throw key_error(path, "\"public_key\" must be 32 bytes in base64url");
  if (*public_key != key.pair.public_key)
    throw key_error(path, "\"public_key\" does not belong to \"private_key\"");
  auto id = string_field(doc, "id", path);
  if (id != key.id)
    throw key_error(path, "\"id\" " + id + " does not match the key (" + key.id + ")");
  return key;
}

void write_key_file(const std::string& path, const agent_key& key, bool force) {
  // libsodium's secret key is seed || public key; the file keeps the seed.
  std::string seed = key.pair.secret_key.substr(0, crypto::seed_size);
  nlohmann::json doc = {
      {"type", "ed25519"},
      {"id", key.id},
      {"public_key", encoding::base64url_encode(key.pair.public_key)},
      {"private_key", encoding::base64url_encode(seed)},
  };
  wipe(seed);
  auto text = doc.dump(2) + "\n";
  wipe(doc["private_key"].get_ref<std::string&>());

  try {
    if (force)
      replace_private_file(path, text, "key_file");
    else
      create_private_file(path, text, "key_file", "pass --force to replace it");
  } catch (...) {
    wipe(text);
    throw;
  }
  wipe(text);
}

}  // namespace tessera::cli
