#pragma once
// Signed-in sessions: the JSON of a user, a new refresh token (one family per
// login, rotated on every use), the access token (JWT) and the token pair
// response {"access_token","refresh_token","token_type","expires_in",...}.
#include <nlohmann/json.hpp>
#include <string>

#include "http/context.hpp"
#include "protocol/account.hpp"

namespace tessera::http {

/// A user as the API shows it: never the password hash.
nlohmann::ordered_json user_json(const user_record& u);

struct new_refresh {
  std::string secret;  // handed to the client once
  credential stored;   // what the database keeps (the hash)
};

/// A refresh token of `family` ("" starts a new family: a new login).
new_refresh make_refresh(const context& ctx, const std::string& user_id, std::string family);

/// The token pair response for `user`, with a fresh access token that
/// belongs to the sign-in of `refresh`.
nlohmann::ordered_json session_json(const context& ctx, const user_record& user,
                                    const new_refresh& refresh);

}  // namespace tessera::http
