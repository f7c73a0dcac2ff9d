#include "http/respond.hpp"

#include <ctime>

#include "protocol/agent_id.hpp"

namespace tessera::http {

int status_of(ec code) {
  switch (code) {
    case ec::none: return 200;
    case ec::invalid_request: return 400;
    case ec::invalid_signature: return 401;
    case ec::forbidden: return 403;
    case ec::not_found: return 404;
    case ec::agent_exists: return 409;
    case ec::conflict: return 409;
    case ec::payload_too_large: return 413;
    case ec::timeout: return 503;
    case ec::unavailable: return 503;
    case ec::internal: return 500;
    case ec::unauthenticated: return 401;
    case ec::invalid_credentials: return 401;
    case ec::rate_limited: return 429;
  }
  return 500;
}

void send_json(httplib::Response& res, int status, const nlohmann::ordered_json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void send_error(httplib::Response& res, const problem& p) {
  send_error(res, p.code, p.message);
}

void send_error(httplib::Response& res, ec code, const std::string& message) {
  nlohmann::ordered_json body;
  body["error"]["code"] = to_string(code);
  body["error"]["message"] = message;
  // Replace what an earlier step may have written; invalid UTF-8 from the
  // client quoted in a message must not make dump() throw.
  res.status = status_of(code);
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

std::string rfc3339(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  auto n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof(buf) - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

std::string agent_json(const agent_record& a) {
  nlohmann::ordered_json j;
  j["id"] = a.id;
  j["did"] = agent_id::to_did(a.id);
  j["name"] = a.name;
  j["status"] = a.status;
  j["registered_at"] = rfc3339(a.registered_at);
  j["updated_at"] = rfc3339(a.updated_at);
  j["last_seen"] = rfc3339(a.last_seen);
  auto text = j.dump();
  text.pop_back();  // the closing brace
  text += ",\"card\":";
  text += a.card;
  text += '}';
  return text;
}

}  // namespace tessera::http
