#include "protocol/signal_frame.hpp"

#include <array>

#include "protocol/agent_id.hpp"
#include "protocol/crypto.hpp"
#include "protocol/encoding.hpp"
#include "protocol/json_body.hpp"

namespace tessera::signal {

namespace frame_parse {
namespace {

struct kind_name {
  kind k;
  const char* name;
};

constexpr std::array<kind_name, 9> kind_names{{
    {kind::offer, "offer"},
    {kind::answer, "answer"},
    {kind::ice_candidate, "ice_candidate"},
    {kind::relay_open, "relay_open"},
    {kind::relay_data, "relay_data"},
    {kind::relay_close, "relay_close"},
    {kind::bridge_message, "bridge_message"},
    {kind::notification, "notification"},
    {kind::ping, "ping"},
}};

constexpr size_t max_relay_id = 64;

bool valid_relay_id(const std::string& id) {
  if (id.empty() || id.size() > max_relay_id)
    return false;
  for (char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok)
      return false;
  }
  return true;
}

bool is_relay(kind k) {
  return k == kind::relay_open || k == kind::relay_data || k == kind::relay_close;
}

parse_result fail(std::string code, std::string message) {
  parse_result r;
  r.code = std::move(code);
  r.message = std::move(message);
  return r;
}

/// A string field of `doc`, or nullptr when it is absent or not a string.
const std::string* string_field(const nlohmann::json& doc, const char* name) {
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_string())
    return nullptr;
  return it->get_ptr<const std::string*>();
}

}  // namespace
}  // namespace frame_parse

std::string auth_message(std::string_view nonce, std::string_view agent_id) {
  std::string m(auth_prefix);
  m += ':';
  m += nonce;
  m += ':';
  m += agent_id;
  return m;
}

std::string make_nonce() {
  return encoding::base64url_encode(crypto::random_bytes(32));
}

bool check_auth(std::string_view nonce, std::string_view agent_id, std::string_view signature) {
  auto key = agent_id::to_public_key(agent_id);
  if (!key)
    return false;
  // Clients sign with whatever their library emits: base64url is the
  // documented form, padded base64 is accepted too.
  auto sig = encoding::base64url_decode(signature);
  if (!sig)
    sig = encoding::base64_decode(signature);
  if (!sig || sig->size() != crypto::signature_size)
    return false;
  return crypto::verify(*key, auth_message(nonce, agent_id), *sig);
}

const char* to_string(kind k) {
  for (const auto& kn : frame_parse::kind_names)
    if (kn.k == k)
      return kn.name;
  return "unknown";
}

bool needs_contacts(kind k) {
  return k == kind::offer || k == kind::answer || k == kind::ice_candidate ||
         frame_parse::is_relay(k);
}

bool needs_contacts(std::string_view type) {
  for (const auto& kn : frame_parse::kind_names)
    if (kn.name == type)
      return needs_contacts(kn.k);
  return false;
}

bool queueable(kind k) {
  return k == kind::bridge_message || k == kind::notification;
}

parse_result parse(std::string_view text, std::string_view self_id) {
  using namespace frame_parse;
  // The same limits as HTTP bodies: one value, no NUL, nesting <= 32 (a
  // deep frame would be copied and freed recursively when forwarded).
  problem err;
  auto parsed = json_body::parse(text, "frame", err);
  if (!parsed)
    return fail("invalid_frame", err.message);
  auto doc = std::move(*parsed);
  if (!doc.is_object())
    return fail("invalid_frame", "the frame must be a JSON object");
  const auto* type = string_field(doc, "type");
  if (!type)
    return fail("invalid_frame", "\"type\" is required and must be a string");
  const kind_name* found = nullptr;
  for (const auto& kn : kind_names)
    if (*type == kn.name)
      found = &kn;
  if (!found)
    return fail("unknown_type", "\"type\" \"" + *type + "\" is not a frame a client may send");
  parse_result r;
  r.value.type = found->k;
  if (found->k != kind::ping) {
    const auto* to = string_field(doc, "to");
    if (!to)
      return fail("invalid_target", "\"to\" is required and must be an agent id");
    if (!agent_id::is_valid(*to))
      return fail("invalid_target", "\"to\" is not a valid agent id");
    if (*to == self_id)
      return fail("invalid_target", "\"to\" is the sender itself");
    r.value.to = *to;
  }
  if (is_relay(found->k)) {
    const auto* rid = string_field(doc, "relay_id");
    if (!rid || !valid_relay_id(*rid))
      return fail("invalid_frame", "\"relay_id\" is required: 1-64 characters of [A-Za-z0-9_-]");
    if (found->k == kind::relay_data && !string_field(doc, "data"))
      return fail("invalid_frame", "\"data\" is required and must be a string");
  }
  r.value.doc = std::move(doc);
  r.ok = true;
  return r;
}

auth_frame parse_auth(std::string_view text) {
  using namespace frame_parse;
  auth_frame a;
  problem err;
  auto parsed = json_body::parse(text, "frame", err);
  if (!parsed) {
    a.message = err.message;
    return a;
  }
  const auto& doc = *parsed;
  if (!doc.is_object()) {
    a.message = "the first frame must be a JSON auth frame";
    return a;
  }
  const auto* type = string_field(doc, "type");
  if (!type || *type != "auth") {
    a.message = "the first frame must have \"type\" \"auth\"";
    return a;
  }
  const auto* id = string_field(doc, "agent_id");
  if (!id || !agent_id::is_valid(*id)) {
    a.message = "\"agent_id\" is required and must be a valid agent id";
    return a;
  }
  const auto* sig = string_field(doc, "signature");
  if (!sig || sig->empty()) {
    a.message = "\"signature\" is required and must be a string";
    return a;
  }
  a.ok = true;
  a.agent_id = *id;
  a.signature = *sig;
  return a;
}

std::string forwarded(const frame& f, std::string_view from) {
  auto doc = f.doc;
  doc["from"] = std::string(from);
  return doc.dump();
}

std::string challenge(std::string_view nonce) {
  return nlohmann::json{{"type", "challenge"}, {"nonce", std::string(nonce)}}.dump();
}

std::string config(const nlohmann::json& ice_servers, std::string_view agent_id) {
  nlohmann::json j{{"type", "config"}};
  if (!agent_id.empty())
    j["agent_id"] = std::string(agent_id);
  j["ice_servers"] = ice_servers;
  return j.dump();
}

std::string pong(const nlohmann::json& id) {
  nlohmann::json j{{"type", "pong"}};
  if (!id.is_null())
    j["id"] = id;
  return j.dump();
}

std::string error(std::string_view code, std::string_view message, std::string_view to,
                  std::string_view ref) {
  nlohmann::json j{
      {"type", "error"}, {"code", std::string(code)}, {"message", std::string(message)}};
  if (!to.empty())
    j["to"] = std::string(to);
  if (!ref.empty())
    j["ref"] = std::string(ref);
  return j.dump();
}

}  // namespace tessera::signal
