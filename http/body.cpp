#include "http/body.hpp"

#include <algorithm>

#include "http/respond.hpp"
#include "protocol/encoding.hpp"
#include "protocol/json_body.hpp"

namespace tessera::http {

namespace {

bool is_one_of(const std::string& key, std::initializer_list<const char*> allowed) {
  return std::any_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; });
}

/// "key: unknown <what> (expected a, b, c)", the key cut short: it is input.
std::string unknown(const std::string& key, const char* what,
                    std::initializer_list<const char*> allowed) {
  std::string list;
  for (auto a : allowed)
    list += (list.empty() ? "" : ", ") + std::string(a);
  return key.substr(0, 64) + ": unknown " + what + " (expected " + list + ")";
}

}  // namespace

std::optional<nlohmann::json> read_object(const request& req, response& res,
                                          std::initializer_list<const char*> allowed) {
  problem err;
  auto doc = json_body::parse(req.body.empty() ? "{}" : req.body, "body", err);
  if (!doc) {
    send_error(res, err);
    return std::nullopt;
  }
  if (!doc->is_object()) {
    send_error(res, ec::invalid_request, "body: expected a JSON object");
    return std::nullopt;
  }
  for (const auto& [key, value] : doc->items()) {
    if (!is_one_of(key, allowed)) {
      send_error(res, ec::invalid_request, unknown(key, "field", allowed));
      return std::nullopt;
    }
  }
  return doc;
}

namespace {

/// The string at doc[field], or nullptr when it is absent or null; `ok` is
/// false (and the 400 written) when it is required and absent, or not a string.
const std::string* string_field(const nlohmann::json& doc, const char* field, bool required,
                                bool& ok, response& res) {
  ok = true;
  auto it = doc.find(field);
  if (it == doc.end() || it->is_null()) {
    if (required) {
      send_error(res, ec::invalid_request, std::string(field) + ": required");
      ok = false;
    }
    return nullptr;
  }
  if (!it->is_string()) {
    send_error(res, ec::invalid_request, std::string(field) + ": expected a string");
    ok = false;
    return nullptr;
  }
  return &it->get_ref<const std::string&>();
}

}  // namespace

bool read_text(const nlohmann::json& doc, const char* field, bool required, std::string& out,
               std::string (*check)(std::string_view), response& res) {
  bool ok = true;
  const auto* text = string_field(doc, field, required, ok, res);
  if (!text)
    return ok;
  auto wrong = check(*text);
  if (!wrong.empty()) {
    send_error(res, ec::invalid_request, wrong);
    return false;
  }
  out = *text;
  return true;
}

bool read_string(const nlohmann::json& doc, const char* field, size_t max, bool required,
                 std::string& out, response& res) {
  bool ok = true;
  const auto* found = string_field(doc, field, required, ok, res);
  if (!found)
    return ok;
  const auto& text = *found;
  if (text.empty() || text.size() > max) {
    send_error(res, ec::invalid_request,
               std::string(field) + ": expected 1 to " + std::to_string(max) + " bytes");
    return false;
  }
  if (std::any_of(text.begin(), text.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    send_error(res, ec::invalid_request, std::string(field) + ": control characters");
    return false;
  }
  out = text;
  return true;
}

bool check_params(const request& req, response& res,
                  std::initializer_list<const char*> allowed, size_t max) {
  for (const auto& [key, value] : req.params) {
    if (!is_one_of(key, allowed)) {
      send_error(res, ec::invalid_request, unknown(key, "query parameter", allowed));
      return false;
    }
    if (req.param_count(key) > 1) {
      send_error(res, ec::invalid_request, key + ": given more than once");
      return false;
    }
    if (value.size() > max) {
      send_error(res, ec::invalid_request,
                 key + ": longer than " + std::to_string(max) + " characters");
      return false;
    }
    // Percent-decoding can make any bytes; the databases hold only UTF-8.
    if (!encoding::valid_utf8(value)) {
      send_error(res, ec::invalid_request, key + ": not valid UTF-8");
      return false;
    }
  }
  return true;
}

bool read_limit(const request& req, response& res, int max, int fallback,
                int32_t& out) {
  out = fallback;
  if (!req.has_param("limit"))
    return true;
  auto text = req.param("limit");
  size_t used = 0;
  int limit = 0;
  try {
    limit = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || limit < 1 || limit > max) {
    send_error(res, ec::invalid_request,
               "limit: expected an integer from 1 to " + std::to_string(max));
    return false;
  }
  out = limit;
  return true;
}

bool read_before_seq(const request& req, response& res, int64_t& out) {
  out = 0;
  if (!req.has_param("before"))
    return true;
  auto text = req.param("before");
  size_t used = 0;
  try {
    out = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || out < 1) {
    send_error(res, ec::invalid_request, "before: expected a positive seq number");
    return false;
  }
  return true;
}

std::optional<std::string> read_email(const nlohmann::json& doc, response& res) {
  std::string email;
  if (!read_string(doc, "email", 254, true, email, res))
    return std::nullopt;
  auto first = email.find_first_not_of(" \t");
  auto last = email.find_last_not_of(" \t");
  email = first == std::string::npos ? "" : email.substr(first, last - first + 1);
  std::transform(email.begin(), email.end(), email.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto at = email.find('@');
  bool ok = at != std::string::npos && at > 0 && email.find('@', at + 1) == std::string::npos &&
            email.find(' ') == std::string::npos;
  if (ok) {
    auto dot = email.find('.', at + 1);
    ok = dot != std::string::npos && dot > at + 1 && dot + 1 < email.size();
  }
  if (!ok) {
    send_error(res, ec::invalid_request, "email: expected an address like name@example.com");
    return std::nullopt;
  }
  return email;
}

}  // namespace tessera::http
