#include "protocol/audit_chain.hpp"

#include <nlohmann/json.hpp>

#include "protocol/crypto.hpp"
#include "protocol/encoding.hpp"
#include "protocol/jcs.hpp"

namespace tessera {

namespace {

std::string valid_utf8(const std::string& text) {
  // nlohmann's serializer decodes strictly (RFC 3629) and can replace.
  auto quoted = nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  auto valid = nlohmann::json::parse(quoted).get<std::string>();
  // U+0000 is valid UTF-8, but PostgreSQL's text type refuses it.
  for (auto at = valid.find('\0'); at != std::string::npos; at = valid.find('\0', at))
    valid.replace(at, 1, "\xef\xbf\xbd");
  return valid;
}

nlohmann::json detail_of(const std::string& detail) {
  auto parsed = nlohmann::json::parse(detail, nullptr, false);
  if (parsed.is_object())
    return parsed;
  return detail;
}

nlohmann::json hashed_members(const audit_entry& e) {
  return {{"prev_hash", e.prev_hash}, {"at", e.at},         {"action", e.action},
          {"actor", e.actor},         {"target", e.target}, {"remote", e.remote},
          {"detail", detail_of(e.detail)}};
}

}  // namespace

audit_entry with_valid_utf8(audit_entry e) {
  for (auto* field : {&e.action, &e.actor, &e.target, &e.remote, &e.detail, &e.prev_hash, &e.hash})
    *field = valid_utf8(*field);
  return e;
}

std::string link_hash(const audit_entry& e) {
  return encoding::hex_encode(crypto::sha256(jcs::canonicalize(hashed_members(e))));
}

std::string to_json_line(const audit_entry& e) {
  auto line = hashed_members(e);
  line["hash"] = e.hash;
  return jcs::canonicalize(line);
}

}  // namespace tessera
