#pragma once
// TURN credentials in coturn's shared-secret scheme (use-auth-secret,
// static-auth-secret; "TURN REST API"): username "<expiry unix seconds>:<agent id>",
// credential base64(HMAC-SHA1(secret, username)). Pure code.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace tessera::signal {

struct turn_credential {
  std::string username;
  std::string credential;
};

turn_credential mint_turn_credential(std::string_view secret, std::string_view agent_id,
                                     int64_t expires_at_s);

/// The "ice_servers" of the config frame, in RTCIceServer form: stun: urls
/// as they are; turn:/turns: urls with a username and credential minted for
/// this agent, valid `ttl_s` from `now_s` (no secret: urls only). [] when no urls.
nlohmann::json ice_servers(const std::vector<std::string>& urls, std::string_view secret,
                           std::string_view agent_id, int64_t now_s, int64_t ttl_s);

}  // namespace tessera::signal
