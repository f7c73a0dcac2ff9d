#include "protocol/http_signature.hpp"

#include <algorithm>
#include <cctype>
#include <variant>

#include "protocol/agent_id.hpp"
#include "protocol/encoding.hpp"
#include "protocol/structured_fields.hpp"

namespace tessera::http_signature {
namespace {

namespace sf = structured_fields;
using sf::bare_item;
using sf::inner_list;
using sf::item;
using sf::serialize_string;

constexpr std::string_view label = "sig1";
constexpr std::string_view algorithm = "ed25519";
constexpr size_t max_header_length = 4096;

const bare_item* find_param(const sf::parameters& params, std::string_view key) {
  for (const auto& [k, v] : params)
    if (k == key) return &v;
  return nullptr;
}

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// The components Tessera signs, in order: content-digest only when there is a body.
std::vector<component> covered(std::string_view method, std::string_view path,
                               std::string_view query, std::string_view body,
                               std::string_view digest) {
  // RFC 9421 §2.2.7: @query keeps its leading '?', and is "?" alone when absent.
  std::vector<component> components = {{"@method", upper(method)},
                                       {"@path", std::string(path)},
                                       {"@query", "?" + std::string(query)}};
  if (!body.empty()) components.emplace_back("content-digest", trim(digest));
  return components;
}

std::string component_list(const std::vector<component>& components) {
  std::string out = "(";
  for (size_t i = 0; i < components.size(); ++i) {
    if (i > 0) out += ' ';
    out += serialize_string(components[i].first);
  }
  return out + ")";
}

bool fail(problem& err, ec code, std::string message) {
  err.code = code;
  err.message = std::move(message);
  return false;
}

bool parse_header(std::string_view name, std::string_view value, sf::dictionary& out,
                  problem& err) {
  std::string why;
  auto parsed = sf::parse_dictionary(value, why);
  if (!parsed)
    return fail(err, ec::invalid_request, std::string(name) + " header is malformed: " + why);
  out = std::move(*parsed);
  return true;
}

bool check_digest(const request_view& r, problem& err) {
  if (r.body.empty()) {
    if (!r.content_digest.empty())
      return fail(err, ec::invalid_signature,
                  "Content-Digest header must be absent when the body is empty");
    return true;
  }
  if (r.content_digest.empty())
    return fail(err, ec::invalid_signature, "Content-Digest header is missing");
  sf::dictionary digests;
  if (!parse_header("Content-Digest", r.content_digest, digests, err)) return false;
  auto it = digests.find("sha-256");
  if (it == digests.end())
    return fail(err, ec::invalid_signature, "Content-Digest has no sha-256 digest");
  auto* digest = std::get_if<item>(&it->second);
  if (!digest || digest->value.type != bare_item::kind::bytes)
    return fail(err, ec::invalid_signature, "Content-Digest sha-256 must be a byte sequence");
  if (!crypto::equal_constant_time(digest->value.text, crypto::sha256(r.body)))
    return fail(err, ec::invalid_signature, "Content-Digest does not match the body");
  return true;
}

}  // namespace

std::string content_digest(std::string_view body) {
  return "sha-256=:" + encoding::base64_encode(crypto::sha256(body)) + ":";
}

std::string signature_base(const std::vector<component>& components,
                           std::string_view signature_params) {
  std::string base;
  for (const auto& [name, value] : components) base += '"' + name + "\": " + value + '\n';
  base += "\"@signature-params\": ";
  base += signature_params;
  return base;
}

signed_headers sign(std::string_view method, std::string_view path, std::string_view query,
                    std::string_view body, const crypto::key_pair& key, std::string_view key_id,
                    int64_t created, std::string_view nonce) {
  signed_headers out;
  if (!body.empty()) out.content_digest = content_digest(body);
  auto components = covered(method, path, query, body, out.content_digest);
  auto params = component_list(components) + ";created=" + std::to_string(created) +
                ";nonce=" + serialize_string(nonce) + ";keyid=" + serialize_string(key_id) +
                ";alg=" + serialize_string(algorithm);
  auto sig = crypto::sign(key.secret_key, signature_base(components, params));
  out.signature_input = std::string(label) + "=" + params;
  out.signature = std::string(label) + "=:" + encoding::base64_encode(sig) + ":";
  return out;
}

std::optional<verified> verify(const request_view& r, int64_t now, int64_t max_skew,
                               problem& err, signer kind) {
  for (auto [name, value] : {std::pair{"Signature-Input", r.signature_input},
                             std::pair{"Signature", r.signature},
                             std::pair{"Content-Digest", r.content_digest}}) {
    if (value.size() > max_header_length) {
      fail(err, ec::invalid_request, std::string(name) + " header is longer than " +
                                         std::to_string(max_header_length) + " characters");
      return std::nullopt;
    }
  }
  if (r.signature_input.empty()) {
    fail(err, ec::invalid_signature, "Signature-Input header is missing");
    return std::nullopt;
  }
  if (r.signature.empty()) {
    fail(err, ec::invalid_signature, "Signature header is missing");
    return std::nullopt;
  }
  sf::dictionary inputs, signatures;
  if (!parse_header("Signature-Input", r.signature_input, inputs, err) ||
      !parse_header("Signature", r.signature, signatures, err))
    return std::nullopt;

  auto input_it = inputs.find(std::string(label));
  if (input_it == inputs.end()) {
    fail(err, ec::invalid_signature, "Signature-Input has no sig1 signature");
    return std::nullopt;
  }
  auto sig_it = signatures.find(std::string(label));
  if (sig_it == signatures.end()) {
    fail(err, ec::invalid_signature, "Signature has no sig1 signature");
    return std::nullopt;
  }
  auto* input = std::get_if<inner_list>(&input_it->second);
  if (!input) {
    fail(err, ec::invalid_signature, "Signature-Input sig1 must be an inner list of components");
    return std::nullopt;
  }
  auto* sig = std::get_if<item>(&sig_it->second);
  if (!sig || sig->value.type != bare_item::kind::bytes) {
    fail(err, ec::invalid_signature, "Signature sig1 must be a byte sequence");
    return std::nullopt;
  }

  auto expected = covered(r.method, r.path, r.query, r.body, r.content_digest);
  bool exact = input->items.size() == expected.size();
  for (size_t i = 0; exact && i < expected.size(); ++i) {
    const auto& it = input->items[i];
    exact = it.value.type == bare_item::kind::string && it.params.empty() &&
            it.value.text == expected[i].first;
  }
  if (!exact) {
    fail(err, ec::invalid_signature,
         "signature must cover exactly " + component_list(expected) +
             (r.body.empty() ? " (no content-digest without a body)" : ""));
    return std::nullopt;
  }

  auto* created = find_param(input->params, "created");
  if (!created || created->type != bare_item::kind::integer) {
    fail(err, ec::invalid_signature, "signature parameter created must be an integer");
    return std::nullopt;
  }
  auto* nonce = find_param(input->params, "nonce");
  if (!nonce || nonce->type != bare_item::kind::string || nonce->text.empty() ||
      nonce->text.size() > max_nonce) {
    fail(err, ec::invalid_signature,
         "signature parameter nonce must be a string of 1-" + std::to_string(max_nonce) +
             " characters");
    return std::nullopt;
  }
  auto* keyid = find_param(input->params, "keyid");
  std::optional<std::string> public_key;
  std::string_view id;  // the key's id, without the did:key: of a node's keyid
  bool node_form = false;
  if (keyid && keyid->type == bare_item::kind::string) {
    id = keyid->text;
    node_form = id.starts_with(did_key_prefix);
    if (node_form) id.remove_prefix(did_key_prefix.size());
    if (node_form == (kind == signer::node)) public_key = agent_id::to_public_key(id);
  }
  if (!public_key) {
    fail(err, ec::invalid_signature,
         kind == signer::node
             ? "signature parameter keyid must be a node's did:key (did:key:z6Mk...)"
             : "signature parameter keyid must be an agent id (z6Mk...)");
    return std::nullopt;
  }
  auto* alg = find_param(input->params, "alg");
  if (!alg || alg->type != bare_item::kind::string || alg->text != algorithm) {
    fail(err, ec::invalid_signature, "signature parameter alg must be \"ed25519\"");
    return std::nullopt;
  }
  // Both bounds matter: an old signature may be a replay the window has
  // forgotten, a future one would outlive the window.
  if (created->integer < now - max_skew || created->integer > now + max_skew) {
    fail(err, ec::invalid_signature, "signature created outside the allowed clock skew of " +
                                         std::to_string(max_skew) + " s");
    return std::nullopt;
  }
  if (!check_digest(r, err)) return std::nullopt;

  // RFC 9421 §2.5: @signature-params is rebuilt from what was parsed, so the
  // base checked is the canonical one whatever spacing the sender used.
  auto base = signature_base(expected, sf::serialize(*input));
  if (!crypto::verify(*public_key, base, sig->value.text)) {
    fail(err, ec::invalid_signature, "signature does not verify");
    return std::nullopt;
  }
  return verified{std::string(id), created->integer, nonce->text};
}

}  // namespace tessera::http_signature
