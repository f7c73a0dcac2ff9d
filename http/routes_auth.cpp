// /api/v1/auth: register, login, refresh, logout, me.
#include "actors/clock.hpp"
#include "http/ask.hpp"
#include "http/audit.hpp"
#include "http/body.hpp"
#include "http/limits.hpp"
#include "http/respond.hpp"
#include "http/route_table.hpp"
#include "http/sessions.hpp"
#include "http/write.hpp"
#include "protocol/password.hpp"
#include "protocol/refresh_rotation.hpp"
#include "protocol/secret_token.hpp"

namespace tessera::http {

namespace {

constexpr size_t max_display_name = 100;

password::cost cost_of(const context& ctx) {
  return {static_cast<unsigned long long>(ctx.cfg.user_auth.password_hash_ops),
          ctx.cfg.user_auth.password_hash_memory};
}

/// Reads the new password ("password") and checks it; false after the 400.
bool read_new_password(const nlohmann::json& doc, const std::string& email,
                       httplib::Response& res, std::string& out) {
  if (!read_string(doc, "password", password::max_length, true, out, res))
    return false;
  if (auto why = password::weakness(out, email)) {
    send_error(res, ec::invalid_request, *why);  // it names the field: "password: ..."
    return false;
  }
  return true;
}

void register_user(const call& c) {
  auto doc = read_object(c.req, c.res, {"email", "password", "display_name"});
  if (!doc)
    return;
  auto email = read_email(*doc, c.res);
  user_record u;
  if (!email || !read_string(*doc, "display_name", max_display_name, true, u.display_name, c.res))
    return;
  std::string pw;
  if (!read_new_password(*doc, *email, c.res, pw))
    return;
  u.id = secret_token::generate_id("usr_");
  u.email = *email;
  u.role = "user";
  u.password_hash = password::hash(pw, cost_of(c.ctx));
  u.created_at = u.updated_at = now_ms();
  write_op op;
  op.kind = write_op::insert_user;
  op.user = u;
  auto done = write(c.ctx, op);
  if (!done.ok()) {
    if (done.error().code == ec::conflict)
      return send_error(c.res, ec::conflict, "email: an account with this email exists");
    return send_error(c.res, done.error());
  }
  audit(c.ctx, "user_registered", u.id, u.id, c.remote);
  c.res.set_header("Location", "/api/v1/auth/me");
  send_json(c.res, 201, user_json(u));
}

/// Starts a new token family for `u` and answers with the pair.
void start_session(const call& c, const user_record& u, int status) {
  auto refresh = make_refresh(c.ctx, u.id, "");
  write_op op;
  op.kind = write_op::insert_credential;
  op.cred = refresh.stored;
  auto done = write(c.ctx, op);
  if (!done.ok())
    return send_error(c.res, done.error());
  send_json(c.res, status, session_json(c.ctx, u, refresh));
}

void login(const call& c) {
  auto doc = read_object(c.req, c.res, {"email", "password"});
  if (!doc)
    return;
  auto email = read_email(*doc, c.res);
  std::string pw;
  if (!email || !read_string(*doc, "password", password::max_length, true, pw, c.res))
    return;
  auto& limiter = *c.ctx.limiter;
  auto now = now_ms();
  if (auto d = limiter.login_attempt(*email, c.remote, now); !d.allowed) {
    audit(c.ctx, "login_throttled", "", "", c.remote, {{"email", *email}});
    return send_rate_limited(c.res, d, "too many failed logins for this account or address");
  }
  auto user = ask<user_record>(c.ctx.sys, c.ctx.actors.readers, timeout_of(c.ctx),
                               atom::user_email::value, *email);
  if (!user.ok() && user.error().code != ec::not_found)
    return send_error(c.res, user.error());
  // An unknown email costs the same hash as a wrong password, and gets the
  // same answer: a login does not tell whether an account exists.
  bool ok = user.ok() ? password::verify(pw, user.get().password_hash)
                      : (password::verify(pw, password::decoy_hash(cost_of(c.ctx))), false);
  if (!ok) {
    audit(c.ctx, "login_failed", user.ok() ? user.get().id : "", "", c.remote,
          {{"email", *email}});
    return send_error(c.res, ec::invalid_credentials, "email or password is wrong");
  }
  limiter.login_succeeded(*email, c.remote);
  audit(c.ctx, "login_succeeded", user.get().id, "", c.remote);
  start_session(c, user.get(), 200);
}

void refresh(const call& c) {
  auto doc = read_object(c.req, c.res, {"refresh_token"});
  std::string token;
  if (!doc || !read_string(*doc, "refresh_token", 128, true, token, c.res))
    return;
  const std::string unknown = "refresh_token: unknown or revoked; sign in again";
  if (!secret_token::well_formed(token, secret_token::refresh_prefix))
    return send_error(c.res, ec::invalid_credentials, unknown);
  auto hash = secret_token::hash(token);
  auto found = ask<credential>(c.ctx.sys, c.ctx.actors.readers, timeout_of(c.ctx),
                               atom::cred_get::value, hash);
  if (!found.ok())
    return send_error(c.res, found.error().code == ec::not_found
                                 ? problem{ec::invalid_credentials, unknown}
                                 : found.error());
  const auto& old = found.get();
  auto revoke_family = [&] {
    write_op op;
    op.kind = write_op::revoke_family;
    op.key = old.family;
    op.at = now_ms();
    write(c.ctx, op);
    audit(c.ctx, "refresh_reuse", old.user_id, old.family, c.remote);
    send_error(c.res, ec::invalid_credentials,
               "refresh_token: already used; every session of this sign-in was revoked, sign in "
               "again");
  };
  switch (refresh_rotation::decide(old, now_ms())) {
    case refresh_rotation::outcome::wrong_kind:
      return send_error(c.res, ec::invalid_credentials, unknown);
    case refresh_rotation::outcome::expired:
      return send_error(c.res, ec::invalid_credentials, "refresh_token: expired; sign in again");
    case refresh_rotation::outcome::reuse_detected:
      return revoke_family();
    case refresh_rotation::outcome::rotate:
      break;
  }
  auto user = ask<user_record>(c.ctx.sys, c.ctx.actors.readers, timeout_of(c.ctx),
                               atom::user_get::value, old.user_id);
  if (!user.ok())
    return send_error(c.res, user.error().code == ec::not_found
                                 ? problem{ec::invalid_credentials, unknown}
                                 : user.error());
  auto next = make_refresh(c.ctx, old.user_id, old.family);
  write_op op;
  op.kind = write_op::rotate_refresh;
  op.key = hash;
  op.cred = next.stored;
  op.at = now_ms();
  auto done = write(c.ctx, op);
  if (!done.ok()) {
    // Someone used the same token a moment ago: two parties hold it.
    if (done.error().code == ec::conflict)
      return revoke_family();
    return send_error(c.res, done.error());
  }
  send_json(c.res, 200, session_json(c.ctx, user.get(), next));
}

void logout(const call& c) {
  auto doc = read_object(c.req, c.res, {"refresh_token"});
  std::string token;
  if (!doc || !read_string(*doc, "refresh_token", 128, false, token, c.res))
    return;
  write_op op;
  op.at = now_ms();
  if (token.empty()) {
    op.kind = write_op::revoke_user_refresh;
    op.user.id = c.who.user_id;
  } else {
    auto found = secret_token::well_formed(token, secret_token::refresh_prefix)
                     ? ask<credential>(c.ctx.sys, c.ctx.actors.readers, timeout_of(c.ctx),
                                       atom::cred_get::value, secret_token::hash(token))
                     : reply<credential>{problem{ec::not_found, ""}};
    if (!found.ok() && found.error().code != ec::not_found)
      return send_error(c.res, found.error());
    if (!found.ok() || found.get().kind != "refresh" || found.get().user_id != c.who.user_id)
      return send_error(c.res, ec::invalid_request,
                        "refresh_token: not a refresh token of this account");
    op.kind = write_op::revoke_family;
    op.key = found.get().family;
  }
  auto done = write(c.ctx, op);
  if (!done.ok())
    return send_error(c.res, done.error());
  audit(c, "logout", c.who.user_id, {{"all_sessions", token.empty()}});
  c.res.status = 204;
}

reply<user_record> current_user(const call& c) {
  return ask<user_record>(c.ctx.sys, c.ctx.actors.readers, timeout_of(c.ctx),
                          atom::user_get::value, c.who.user_id);
}

void get_me(const call& c) {
  auto user = current_user(c);
  if (!user.ok())
    return send_error(c.res, user.error());
  send_json(c.res, 200, user_json(user.get()));
}

void update_me(const call& c) {
  auto doc = read_object(c.req, c.res, {"display_name", "password", "current_password"});
  if (!doc)
    return;
  auto user = current_user(c);
  if (!user.ok())
    return send_error(c.res, user.error());
  auto u = user.get();
  if (!read_string(*doc, "display_name", max_display_name, false, u.display_name, c.res))
    return;
  bool password_change = doc->contains("password") && !(*doc)["password"].is_null();
  if (password_change) {
    std::string current, next;
    if (!read_string(*doc, "current_password", password::max_length, true, current, c.res))
      return;
    auto& limiter = *c.ctx.limiter;
    auto now = now_ms();
    if (auto d = limiter.login_attempt(u.email, c.remote, now); !d.allowed)
      return send_rate_limited(c.res, d, "too many wrong passwords for this account");
    if (!password::verify(current, u.password_hash)) {
      audit(c, "password_change_failed", u.id);
      return send_error(c.res, ec::invalid_credentials, "current_password: wrong password");
    }
    limiter.login_succeeded(u.email, c.remote);
    if (!read_new_password(*doc, u.email, c.res, next))
      return;
    u.password_hash = password::hash(next, cost_of(c.ctx));
  }
  u.updated_at = now_ms();
  std::vector<write_op> ops(1);
  ops[0].kind = write_op::update_user;
  ops[0].user.id = u.id;
  ops[0].user.role.clear();  // not "user", the default: the role is not ours to change here
  ops[0].user.updated_at = u.updated_at;
  ops[0].user.display_name = u.display_name;
  if (password_change)
    ops[0].user.password_hash = u.password_hash;
  if (password_change) {
    // A new password ends every session (a stolen one too); API keys stay.
    write_op revoke;
    revoke.kind = write_op::revoke_user_refresh;
    revoke.user.id = u.id;
    revoke.at = u.updated_at;
    ops.push_back(revoke);
  }
  auto done = write(c.ctx, std::move(ops));
  if (!done.ok())
    return send_error(c.res, done.error());
  if (password_change)
    audit(c, "password_changed", u.id);
  send_json(c.res, 200, user_json(u));
}

}  // namespace

std::vector<route> auth_routes() {
  return {
      {"POST", "/api/v1/auth/register", access::open, register_user, true},
      {"POST", "/api/v1/auth/login", access::open, login, true},
      {"POST", "/api/v1/auth/refresh", access::open, refresh, true},
      {"POST", "/api/v1/auth/logout", access::user, logout, true},
      {"GET", "/api/v1/auth/me", access::user, get_me, true},
      {"PUT", "/api/v1/auth/me", access::user, update_me, true},
  };
}

}  // namespace tessera::http
