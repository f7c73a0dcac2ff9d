#include "protocol/turn_credentials.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "protocol/encoding.hpp"

namespace tessera::signal {

namespace turn_detail {

bool is_turn_url(std::string_view url) {
  return url.starts_with("turn:") || url.starts_with("turns:");
}

}  // namespace turn_detail

turn_credential mint_turn_credential(std::string_view secret, std::string_view agent_id,
                                     int64_t expires_at_s) {
  turn_credential c;
  c.username = std::to_string(expires_at_s) + ":" + std::string(agent_id);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(c.username.data()), c.username.size(), mac,
       &mac_size);
  c.credential =
      encoding::base64_encode(std::string_view(reinterpret_cast<const char*>(mac), mac_size));
  return c;
}

nlohmann::json ice_servers(const std::vector<std::string>& urls, std::string_view secret,
                           std::string_view agent_id, int64_t now_s, int64_t ttl_s) {
  // Two entries at most: the STUN urls, and the TURN urls sharing one
  // credential (a client tries every url of an entry with the same one).
  auto stun = nlohmann::json::array();
  auto turn = nlohmann::json::array();
  for (const auto& url : urls) (turn_detail::is_turn_url(url) ? turn : stun).push_back(url);
  auto out = nlohmann::json::array();
  if (!stun.empty())
    out.push_back({{"urls", stun}});
  if (!turn.empty()) {
    nlohmann::json entry{{"urls", turn}};
    if (!secret.empty()) {
      auto c = mint_turn_credential(secret, agent_id, now_s + ttl_s);
      entry["username"] = c.username;
      entry["credential"] = c.credential;
    }
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace tessera::signal
