#include "protocol/agent_card.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>

#include "protocol/agent_id.hpp"
#include "protocol/encoding.hpp"
#include "protocol/jws.hpp"

namespace tessera::card {
namespace {

using json = nlohmann::json;

const std::set<std::string> top_level_fields = {
    "name", "description", "version", "url", "protocols", "endpoints", "skills",
    "tags", "metadata", "public_key", "signatures"};
const std::set<std::string> skill_fields = {"id", "name", "description", "tags"};
const std::set<std::string> signature_fields = {"protected", "signature"};

// Unicode code points in `s`, or nullopt if it is not valid UTF-8 (parsed JSON
// always is; documents built in code might not be).
std::optional<size_t> code_points(const std::string& s) {
  size_t count = 0;
  for (size_t i = 0; i < s.size();) {
    auto b = static_cast<uint8_t>(s[i]);
    size_t len = b < 0x80 ? 1 : (b & 0xe0) == 0xc0 ? 2 : (b & 0xf0) == 0xe0 ? 3
                                                     : (b & 0xf8) == 0xf0 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return std::nullopt;
    for (size_t k = 1; k < len; ++k)
      if ((static_cast<uint8_t>(s[i + k]) & 0xc0) != 0x80) return std::nullopt;
    i += len;
    ++count;
  }
  return count;
}

// A value quoted for an error message: JSON-escaped, and cut short so a huge
// or hostile value can't make the message huge.
std::string quote_for_message(const std::string& s) {
  constexpr size_t max_shown = 64;
  json shown = s.size() > max_shown ? s.substr(0, max_shown) + "..." : s;
  return shown.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Collects the first problem; every check returns false once one is found.
class checker {
public:
  explicit checker(problem& err) : err_(err) {}

  bool fail(const std::string& path, const std::string& what) {
    err_.code = ec::invalid_request;
    err_.message = path + ": " + what;
    return false;
  }

  static bool has_control(const std::string& text, bool allow_line_breaks) {
    for (unsigned char c : text) {
      if (allow_line_breaks && (c == '\n' || c == '\r' || c == '\t')) continue;
      if (c < 0x20 || c == 0x7f) return true;
    }
    return false;
  }

  bool known_fields(const json& object, const std::set<std::string>& known,
                    const std::string& prefix) {
    for (const auto& [key, value] : object.items())
      if (!known.count(key)) return fail(prefix + key, "unknown field");
    return true;
  }

  // Checks an optional or required string of min..max code points into `out`.
  bool text(const json& object, const char* key, const std::string& path, size_t min, size_t max,
            bool required, std::string& out) {
    auto it = object.find(key);
    if (it == object.end()) return required ? fail(path, "is required") : true;
    std::optional<size_t> length;
    if (it->is_string()) length = code_points(it->get_ref<const std::string&>());
    if (!length || *length < min || *length > max) {
      return fail(path, min == 0 ? "must be a string of at most " + std::to_string(max) +
                                       " characters"
                                 : "must be a string of " + std::to_string(min) + "-" +
                                       std::to_string(max) + " characters");
    }
    out = it->get<std::string>();
    // PostgreSQL refuses NUL in text, and other controls only hide content;
    // line breaks and tabs are fine in prose.
    if (has_control(out, true)) return fail(path, "must not contain control characters");
    return true;
  }

  bool tag_list(const json& object, const std::string& path, std::vector<std::string>& out) {
    auto it = object.find("tags");
    if (it == object.end()) return true;
    if (!it->is_array() || it->size() > max_tags)
      return fail(path, "must be an array of at most " + std::to_string(max_tags) + " tags");
    for (size_t i = 0; i < it->size(); ++i) {
      std::string tag;
      if (!element_text((*it)[i], path + "[" + std::to_string(i) + "]", max_tag, tag))
        return false;
      if (std::find(out.begin(), out.end(), tag) == out.end()) out.push_back(tag);
    }
    return true;
  }

  // An array element that must be a string of 1..max code points.
  bool element_text(const json& value, const std::string& path, size_t max, std::string& out) {
    std::optional<size_t> length;
    if (value.is_string()) length = code_points(value.get_ref<const std::string&>());
    if (!length || *length < 1 || *length > max)
      return fail(path, "must be a string of 1-" + std::to_string(max) + " characters");
    out = value.get<std::string>();
    if (has_control(out, false)) return fail(path, "must not contain control characters");
    return true;
  }

  bool url(const json& object, std::string& out) {
    auto it = object.find("url");
    if (it == object.end()) return fail("url", "is required");
    return url_value(*it, "url", out);
  }

  // An http(s) URL with a host, at most max_url characters.
  bool url_value(const json& value, const std::string& path, std::string& out) {
    if (!value.is_string()) return fail(path, "must be a string");
    const auto& u = value.get_ref<const std::string&>();
    if (u.size() > max_url)
      return fail(path, "must be at most " + std::to_string(max_url) + " characters");
    for (char c : u)
      if (static_cast<uint8_t>(c) <= 0x20 || c == 0x7f)
        return fail(path, "must not contain spaces or control characters");
    std::string lower = u.substr(0, 8);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    size_t scheme = lower.rfind("https://", 0) == 0 ? 8 : lower.rfind("http://", 0) == 0 ? 7 : 0;
    if (scheme == 0) return fail(path, "must be an http:// or https:// URL");
    // RFC 3986 authority: [userinfo@]host[:port], ended by '/', '?' or '#'.
    auto authority = std::string_view(u).substr(scheme);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (auto at = authority.rfind('@'); at != std::string_view::npos)
      authority = authority.substr(at + 1);
    auto host = authority;
    if (!host.empty() && host.front() == '[') {  // an IPv6 literal holds colons of its own
      auto close = host.find(']');
      host = close == std::string_view::npos ? std::string_view() : host.substr(1, close - 1);
    } else {
      host = host.substr(0, host.find(':'));
    }
    if (host.empty()) return fail(path, "must have a host");
    out = u;
    return true;
  }

  // Optional: where each declared protocol is served, when not at `url`.
  bool endpoints(const json& object, const std::vector<std::string>& protocols) {
    auto it = object.find("endpoints");
    if (it == object.end()) return true;
    if (!it->is_object() || it->empty())
      return fail("endpoints",
                  "must be an object mapping protocols to URLs, e.g. {\"mcp\": \"https://...\"}");
    for (const auto& [name, value] : it->items()) {
      auto path = "endpoints." + name;
      if (std::find(protocols.begin(), protocols.end(), name) == protocols.end())
        return fail(path, "names a protocol the card does not declare in protocols");
      std::string ignored;
      if (!url_value(value, path, ignored)) return false;
    }
    return true;
  }

  bool protocols(const json& object, std::vector<std::string>& out) {
    auto it = object.find("protocols");
    if (it == object.end()) return fail("protocols", "is required");
    if (!it->is_array() || it->empty())
      return fail("protocols", "must be a non-empty array of strings");
    for (size_t i = 0; i < it->size(); ++i) {
      const auto& p = (*it)[i];
      auto path = "protocols[" + std::to_string(i) + "]";
      if (!p.is_string()) return fail(path, "must be a string");
      const auto& name = p.get_ref<const std::string&>();
      if (std::find(known_protocols.begin(), known_protocols.end(), name) ==
          known_protocols.end())
        return fail(path, "unknown protocol " + quote_for_message(name) +
                              " (expected a2a, mcp, acp or http)");
      if (std::find(out.begin(), out.end(), name) != out.end())
        return fail(path, "duplicate protocol " + quote_for_message(name));
      out.push_back(name);
    }
    return true;
  }

  bool skills(const json& object, std::vector<std::string>& ids, std::vector<std::string>& tags) {
    auto it = object.find("skills");
    if (it == object.end()) return true;
    if (!it->is_array() || it->size() > max_skills)
      return fail("skills", "must be an array of at most " + std::to_string(max_skills) +
                                " skills");
    for (size_t i = 0; i < it->size(); ++i) {
      const auto& skill = (*it)[i];
      auto path = "skills[" + std::to_string(i) + "]";
      if (!skill.is_object()) return fail(path, "must be an object");
      if (!known_fields(skill, skill_fields, path + ".")) return false;
      std::string id, name, description;
      if (!text(skill, "id", path + ".id", 1, max_skill_id, true, id)) return false;
      if (has_control(id, false)) return fail(path + ".id", "must not contain control characters");
      if (std::find(ids.begin(), ids.end(), id) != ids.end())
        return fail(path + ".id", "duplicate skill id " + quote_for_message(id));
      if (!text(skill, "name", path + ".name", 1, max_name, true, name)) return false;
      if (!text(skill, "description", path + ".description", 0, max_description, false,
                description))
        return false;
      if (!tag_list(skill, path + ".tags", tags)) return false;
      ids.push_back(id);
    }
    return true;
  }

  bool metadata(const json& object) {
    auto it = object.find("metadata");
    if (it == object.end()) return true;
    if (!it->is_object()) return fail("metadata", "must be an object");
    if (it->dump(-1, ' ', false, json::error_handler_t::replace).size() > max_metadata_bytes)
      return fail("metadata", "must be at most " + std::to_string(max_metadata_bytes) +
                                  " bytes as compact JSON");
    return true;
  }

  bool public_key(const json& object, std::string& out) {
    auto it = object.find("public_key");
    if (it == object.end()) return fail("public_key", "is required");
    std::optional<std::string> key;
    if (it->is_string()) key = encoding::base64url_decode(it->get_ref<const std::string&>());
    if (!key || key->size() != crypto::public_key_size)
      return fail("public_key", "must be base64url of 32 bytes");
    out = *key;
    return true;
  }

  bool signatures_shape(const json& object) {
    auto it = object.find("signatures");
    if (it == object.end()) return fail("signatures", "is required");
    if (!it->is_array() || it->empty() || it->size() > max_signatures)
      return fail("signatures", "must be a non-empty array of at most " +
                                    std::to_string(max_signatures) + " signatures");
    for (size_t i = 0; i < it->size(); ++i) {
      const auto& sig = (*it)[i];
      auto path = "signatures[" + std::to_string(i) + "]";
      if (!sig.is_object() || !sig.contains("protected") || !sig.contains("signature") ||
          !sig["protected"].is_string() || !sig["signature"].is_string())
        return fail(path, "must be an object with string \"protected\" and \"signature\"");
      if (!known_fields(sig, signature_fields, path + ".")) return false;
    }
    return true;
  }

private:
  problem& err_;
};

}  // namespace

std::optional<agent_card> parse(const nlohmann::json& document, problem& err) {
  checker check(err);
  if (!document.is_object()) {
    check.fail("card", "must be a JSON object");
    return std::nullopt;
  }
  agent_card card;
  std::vector<std::string> skill_tags;
  // Unknown fields first: a misspelt field name is then reported as itself, not
  // as the required field it was meant to be.
  bool ok = check.known_fields(document, top_level_fields, "") &&
            check.text(document, "name", "name", 1, max_name, true, card.name) &&
            check.text(document, "description", "description", 0, max_description, false,
                       card.description) &&
            check.text(document, "version", "version", 1, max_version, true, card.version) &&
            check.url(document, card.url) && check.protocols(document, card.protocols) &&
            check.endpoints(document, card.protocols) &&
            check.skills(document, card.skill_ids, skill_tags) &&
            check.tag_list(document, "tags", card.tags) && check.metadata(document) &&
            check.public_key(document, card.public_key) && check.signatures_shape(document);
  if (!ok) return std::nullopt;
  for (auto& tag : skill_tags)
    if (std::find(card.tags.begin(), card.tags.end(), tag) == card.tags.end())
      card.tags.push_back(std::move(tag));

  card.id = agent_id::from_public_key(card.public_key);
  auto kid = agent_id::key_id(card.id);
  auto unsigned_document = document;
  unsigned_document.erase("signatures");
  std::string first_why;
  const auto& signatures = document["signatures"];
  for (size_t i = 0; i < signatures.size(); ++i) {
    std::string why;
    if (jws::verify_detached(unsigned_document, signatures[i], card.public_key, kid, why)) {
      card.document = document;
      return card;
    }
    if (first_why.empty()) first_why = "signatures[" + std::to_string(i) + "]: " + why;
  }
  check.fail("signatures", "no signature verifies with the card's key (" + first_why + ")");
  return std::nullopt;
}

nlohmann::json sign(nlohmann::json document, const crypto::key_pair& key) {
  if (!document.is_object()) throw std::invalid_argument("card: must be a JSON object");
  document.erase("signatures");
  document["public_key"] = encoding::base64url_encode(key.public_key);
  auto kid = agent_id::key_id(agent_id::from_public_key(key.public_key));
  document["signatures"] = nlohmann::json::array({jws::sign_detached(document, key, kid)});
  return document;
}

}  // namespace tessera::card
