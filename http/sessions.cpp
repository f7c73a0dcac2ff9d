#include "http/sessions.hpp"

#include "actors/clock.hpp"
#include "http/respond.hpp"
#include "protocol/jwt.hpp"
#include "protocol/secret_token.hpp"

namespace tessera::http {

nlohmann::ordered_json user_json(const user_record& u) {
  nlohmann::ordered_json j;
  j["id"] = u.id;
  j["email"] = u.email;
  j["display_name"] = u.display_name;
  j["role"] = u.role;
  j["created_at"] = rfc3339(u.created_at);
  j["updated_at"] = rfc3339(u.updated_at);
  return j;
}

new_refresh make_refresh(const context& ctx, const std::string& user_id, std::string family) {
  new_refresh out;
  auto& c = out.stored;
  c.kind = "refresh";
  c.user_id = user_id;
  c.family = family.empty() ? secret_token::generate_id("fam_") : std::move(family);
  out.secret = secret_token::issue(c, secret_token::refresh_prefix, "ref_", now_ms());
  c.expires_at = c.created_at + ctx.cfg.user_auth.refresh_ttl.count();
  return out;
}

nlohmann::ordered_json session_json(const context& ctx, const user_record& user,
                                    const new_refresh& refresh) {
  const auto& ua = ctx.cfg.user_auth;
  jwt::claims c;
  c.sub = user.id;
  c.role = user.role;
  c.jti = secret_token::generate_id("jti_");
  c.iat = now_ms() / 1000;
  c.exp = c.iat + ua.access_ttl.count() / 1000;
  c.sid = refresh.stored.family;
  nlohmann::ordered_json j;
  j["access_token"] = jwt::sign(c, ua.jwt_secret);
  j["refresh_token"] = refresh.secret;
  j["token_type"] = "Bearer";
  j["expires_in"] = ua.access_ttl.count() / 1000;
  j["refresh_expires_in"] = ua.refresh_ttl.count() / 1000;
  j["user"] = user_json(user);
  return j;
}

}  // namespace tessera::http
