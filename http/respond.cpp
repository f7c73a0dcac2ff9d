#include "http/respond.hpp"


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
    case ec::verification_failed: return 422;
  }
  return 500;
}

void send_json(response& res, int status, const nlohmann::ordered_json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void send_error(response& res, const problem& p) {
  send_error(res, p.code, p.message);
}

void send_error(response& res, ec code, const std::string& message) {
  nlohmann::ordered_json body;
  body["error"]["code"] = to_string(code);
  body["error"]["message"] = message;
  // Replace what an earlier step may have written; invalid UTF-8 from the
  // client quoted in a message must not make dump() throw.
  res.status = status_of(code);
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

}  // namespace tessera::http
