#include "protocol/http_signature.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <variant>

#include "protocol/agent_id.hpp"
#include "protocol/encoding.hpp"

namespace tessera::http_signature {
namespace {

constexpr std::string_view label = "sig1";
constexpr std::string_view algorithm = "ed25519";
constexpr size_t max_header_length = 4096;

// ---- RFC 8941 structured fields: just what Signature-Input, Signature and
// Content-Digest need, parsed strictly (any syntax error rejects the field).

struct bare_item {
  enum class kind { integer, decimal, string, token, bytes, boolean } type = kind::integer;
  int64_t integer = 0;  // integer; boolean as 0 or 1
  std::string text;     // decimal (canonical), string, token, bytes (decoded)
};

using parameters = std::vector<std::pair<std::string, bare_item>>;

struct item {
  bare_item value;
  parameters params;
};

struct inner_list {
  std::vector<item> items;
  parameters params;
};

using member = std::variant<item, inner_list>;

class sf_parser {
public:
  explicit sf_parser(std::string_view input) : in_(input) {
    // RFC 8941 §4.2: leading and trailing spaces are discarded.
    while (!in_.empty() && in_.front() == ' ') in_.remove_prefix(1);
    while (!in_.empty() && in_.back() == ' ') in_.remove_suffix(1);
  }

  // §4.2.2. Later duplicates of a key replace earlier ones, as the RFC says.
  bool dictionary(std::map<std::string, member>& out) {
    if (in_.empty()) return error("empty dictionary");
    for (;;) {
      std::string key;
      if (!parse_key(key)) return false;
      if (peek() == '=') {
        in_.remove_prefix(1);
        member m;
        if (!item_or_inner_list(m)) return false;
        out[key] = std::move(m);
      } else {
        item flag{{bare_item::kind::boolean, 1, {}}, {}};
        if (!parse_parameters(flag.params)) return false;
        out[key] = std::move(flag);
      }
      skip_ows();
      if (in_.empty()) return true;
      if (peek() != ',') return error("expected ',' after the member " + key);
      in_.remove_prefix(1);
      skip_ows();
      if (in_.empty()) return error("trailing comma");
    }
  }

  const std::string& why() const { return why_; }

private:
  char peek() const { return in_.empty() ? '\0' : in_.front(); }

  bool error(std::string what) {
    why_ = std::move(what);
    return false;
  }

  void skip_ows() {
    while (!in_.empty() && (in_.front() == ' ' || in_.front() == '\t')) in_.remove_prefix(1);
  }

  static bool is_lcalpha(char c) { return c >= 'a' && c <= 'z'; }
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  static bool is_alpha(char c) { return is_lcalpha(c) || (c >= 'A' && c <= 'Z'); }
  static bool is_tchar(char c) {
    return is_alpha(c) || is_digit(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) !=
                                            std::string_view::npos;
  }

  bool item_or_inner_list(member& out) {
    if (peek() == '(') {
      inner_list list;
      if (!parse_inner_list(list)) return false;
      out = std::move(list);
      return true;
    }
    item i;
    if (!parse_bare_item(i.value) || !parse_parameters(i.params)) return false;
    out = std::move(i);
    return true;
  }

  bool parse_inner_list(inner_list& out) {
    in_.remove_prefix(1);  // '('
    for (;;) {
      while (peek() == ' ') in_.remove_prefix(1);
      if (in_.empty()) return error("unterminated inner list");
      if (peek() == ')') {
        in_.remove_prefix(1);
        return parse_parameters(out.params);
      }
      item i;
      if (!parse_bare_item(i.value) || !parse_parameters(i.params)) return false;
      out.items.push_back(std::move(i));
      if (peek() != ' ' && peek() != ')') return error("expected ' ' or ')' in an inner list");
    }
  }

  bool parse_parameters(parameters& out) {
    while (peek() == ';') {
      in_.remove_prefix(1);
      while (peek() == ' ') in_.remove_prefix(1);
      std::string key;
      if (!parse_key(key)) return false;
      bare_item value{bare_item::kind::boolean, 1, {}};
      if (peek() == '=') {
        in_.remove_prefix(1);
        if (!parse_bare_item(value)) return false;
      }
      auto same = [&](const auto& p) { return p.first == key; };
      if (auto it = std::find_if(out.begin(), out.end(), same); it != out.end())
        it->second = std::move(value);
      else
        out.emplace_back(std::move(key), std::move(value));
    }
    return true;
  }

  bool parse_key(std::string& out) {
    if (!is_lcalpha(peek()) && peek() != '*') return error("expected a key");
    while (!in_.empty() && (is_lcalpha(peek()) || is_digit(peek()) ||
                            std::string_view("_-.*").find(peek()) != std::string_view::npos)) {
      out += peek();
      in_.remove_prefix(1);
    }
    return true;
  }

  bool parse_bare_item(bare_item& out) {
    char c = peek();
    if (c == '-' || is_digit(c)) return parse_number(out);
    if (c == '"') return parse_string(out);
    if (c == '*' || is_alpha(c)) return parse_token(out);
    if (c == ':') return parse_bytes(out);
    if (c == '?') return parse_boolean(out);
    return error("expected an item");
  }

  // §4.2.4: at most 15 digits for an integer, 12.3 for a decimal.
  bool parse_number(bare_item& out) {
    bool negative = peek() == '-';
    if (negative) in_.remove_prefix(1);
    if (!is_digit(peek())) return error("expected a digit");
    std::string digits;
    size_t dot = std::string::npos;
    while (!in_.empty() && (is_digit(peek()) || (peek() == '.' && dot == std::string::npos))) {
      if (peek() == '.') {
        if (digits.size() > 12) return error("decimal has too many integer digits");
        dot = digits.size();
      } else {
        digits += peek();
      }
      in_.remove_prefix(1);
      if (dot == std::string::npos ? digits.size() > 15 : digits.size() - dot > 3)
        return error("number has too many digits");
    }
    if (dot == std::string::npos) {
      out.type = bare_item::kind::integer;
      out.integer = std::stoll(digits) * (negative ? -1 : 1);
      return true;
    }
    if (dot == digits.size()) return error("decimal ends with '.'");
    // Canonical form (§4.1.5): no trailing zeros, at least one fractional digit.
    auto fraction = digits.substr(dot);
    while (fraction.size() > 1 && fraction.back() == '0') fraction.pop_back();
    out.type = bare_item::kind::decimal;
    out.text = (negative ? "-" : "") + std::to_string(std::stoll(digits.substr(0, dot))) + "." +
               fraction;
    return true;
  }

  bool parse_string(bare_item& out) {
    in_.remove_prefix(1);  // '"'
    out.type = bare_item::kind::string;
    while (!in_.empty()) {
      char c = peek();
      in_.remove_prefix(1);
      if (c == '"') return true;
      if (c == '\\') {
        if (peek() != '"' && peek() != '\\') return error("bad escape in a string");
        out.text += peek();
        in_.remove_prefix(1);
      } else if (c < 0x20 || c > 0x7e) {
        return error("string holds a character that is not printable ASCII");
      } else {
        out.text += c;
      }
    }
    return error("unterminated string");
  }

  bool parse_token(bare_item& out) {
    out.type = bare_item::kind::token;
    while (!in_.empty() && (is_tchar(peek()) || peek() == ':' || peek() == '/')) {
      out.text += peek();
      in_.remove_prefix(1);
    }
    return true;
  }

  bool parse_bytes(bare_item& out) {
    in_.remove_prefix(1);  // ':'
    auto end = in_.find(':');
    if (end == std::string_view::npos) return error("unterminated byte sequence");
    auto decoded = encoding::base64_decode(in_.substr(0, end));
    if (!decoded) return error("byte sequence is not base64");
    in_.remove_prefix(end + 1);
    out.type = bare_item::kind::bytes;
    out.text = std::move(*decoded);
    return true;
  }

  bool parse_boolean(bare_item& out) {
    in_.remove_prefix(1);  // '?'
    if (peek() != '0' && peek() != '1') return error("expected ?0 or ?1");
    out.type = bare_item::kind::boolean;
    out.integer = peek() == '1';
    in_.remove_prefix(1);
    return true;
  }

  std::string_view in_;
  std::string why_;
};

std::string serialize_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// §4.1: the verifier rebuilds @signature-params from what it parsed, so the
// base it checks is the canonical one whatever spacing the sender used.
std::string serialize(const bare_item& v) {
  switch (v.type) {
    case bare_item::kind::integer: return std::to_string(v.integer);
    case bare_item::kind::decimal: return v.text;
    case bare_item::kind::string: return serialize_string(v.text);
    case bare_item::kind::token: return v.text;
    case bare_item::kind::bytes: return ":" + encoding::base64_encode(v.text) + ":";
    case bare_item::kind::boolean: return v.integer ? "?1" : "?0";
  }
  return {};
}

std::string serialize(const parameters& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    out += ';' + key;
    if (value.type != bare_item::kind::boolean || !value.integer) out += '=' + serialize(value);
  }
  return out;
}

std::string serialize(const inner_list& list) {
  std::string out = "(";
  for (size_t i = 0; i < list.items.size(); ++i) {
    if (i > 0) out += ' ';
    out += serialize(list.items[i].value) + serialize(list.items[i].params);
  }
  return out + ")" + serialize(list.params);
}

const bare_item* find_param(const parameters& params, std::string_view key) {
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

bool parse_header(std::string_view name, std::string_view value,
                  std::map<std::string, member>& out, problem& err) {
  sf_parser parser(value);
  if (!parser.dictionary(out))
    return fail(err, ec::invalid_request, std::string(name) + " header is malformed: " +
                                              parser.why());
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
  std::map<std::string, member> digests;
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
                               problem& err) {
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
  std::map<std::string, member> inputs, signatures;
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
  if (keyid && keyid->type == bare_item::kind::string)
    public_key = agent_id::to_public_key(keyid->text);
  if (!public_key) {
    fail(err, ec::invalid_signature, "signature parameter keyid must be an agent id");
    return std::nullopt;
  }
  auto* alg = find_param(input->params, "alg");
  if (alg && (alg->type != bare_item::kind::string || alg->text != algorithm)) {
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

  auto base = signature_base(expected, serialize(*input));
  if (!crypto::verify(*public_key, base, sig->value.text)) {
    fail(err, ec::invalid_signature, "signature does not verify");
    return std::nullopt;
  }
  return verified{keyid->text, created->integer, nonce->text};
}

}  // namespace tessera::http_signature
