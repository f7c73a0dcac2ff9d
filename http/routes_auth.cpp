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

/// Reads the new password ("password") and checks it; false after the 400.
bool read_new_password(const nlohmann::json& doc, const std::string& email,
                       response& res, std::string& out) {
  if (!read_string(doc, "password", password::max_length, true, out, res))
    return false;
  if (auto why = password::weakness(out, email)) {
    send_error(res, ec::invalid_request, *why);  // it names the field: "password: ..."
    return false;
  }
  return true;
}

/// The per-address budget of requests that run Argon2id; false after the 429.
bool password_budget(const call& c) {
  auto d = c.ctx.limiter->take_password(c.remote, now_ms());
  if (!d.allowed)
    send_rate_limited(c.res, d,
                      "too many sign-ups, logins or password changes from this address "
                      "(user_auth.password_requests_per_minute)");
  return d.allowed;
}

/// What the password pool answered instead: 503 with Retry-After when its
/// queue is full.
template <class T>
void send_password_error(const call& c, const reply<T>& r) {
  if (r.error().code == ec::unavailable)
    c.res.set_header("Retry-After", "1");
  send_error(c.res, r.error());
}

task<> register_user(const call& c) {
  auto doc = read_object(c.req, c.res, {"email", "password", "display_name"});
  if (!doc)
    co_return;
  auto email = read_email(*doc, c.res);
  user_record u;
  if (!email || !read_string(*doc, "display_name", max_display_name, true, u.display_name, c.res))
    co_return;
  std::string pw;
  if (!read_new_password(*doc, *email, c.res, pw) || !password_budget(c))
    co_return;
  u.id = secret_token::generate_id("usr_");
  u.email = *email;
  u.role = "user";
  auto hashed = co_await ask<std::string>(c, c.ctx.actors.passwords, atom::hash::value, pw);
  if (!hashed.ok())
    co_return send_password_error(c, hashed);
  u.password_hash = std::move(hashed.get());
  u.created_at = u.updated_at = now_ms();
  write_op op;
  op.kind = write_op::insert_user;
  op.user = u;
  auto done = co_await write(c, op);
  if (!done.ok()) {
    if (done.error().code == ec::conflict)
      co_return send_error(c.res, ec::conflict, "email: an account with this email exists");
    co_return send_error(c.res, done.error());
  }
  audit(c.ctx, "user_registered", u.id, u.id, c.remote);
  c.res.set_header("Location", "/api/v1/auth/me");
  send_json(c.res, 201, user_json(u));
}

/// Starts a new token family for `u` and answers with the pair.
task<> start_session(const call& c, const user_record& u, int status) {
  auto refresh = make_refresh(c.ctx, u.id, "");
  write_op op;
  op.kind = write_op::insert_credential;
  op.cred = refresh.stored;
  auto done = co_await write(c, op);
  if (!done.ok())
    co_return send_error(c.res, done.error());
  send_json(c.res, status, session_json(c.ctx, u, refresh));
}

task<> login(const call& c) {
  auto doc = read_object(c.req, c.res, {"email", "password"});
  if (!doc)
    co_return;
  auto email = read_email(*doc, c.res);
  std::string pw;
  if (!email || !read_string(*doc, "password", password::max_length, true, pw, c.res) ||
      !password_budget(c))
    co_return;
  auto& limiter = *c.ctx.limiter;
  auto now = now_ms();
  if (auto d = limiter.login_attempt(*email, c.remote, now); !d.allowed) {
    // Not the email typed: it may be no account's (a typo, a password).
    audit(c.ctx, "login_throttled", "", "", c.remote);
    co_return send_rate_limited(c.res, d, "too many failed logins for this account or address");
  }
  auto user = co_await ask<user_record>(c, c.ctx.actors.readers, atom::user_email::value, *email);
  if (!user.ok() && user.error().code != ec::not_found)
    co_return send_error(c.res, user.error());
  // An unknown email costs the same hash as a wrong password, and gets the
  // same answer: a login does not tell whether an account exists.
  // (No ?: inside a co_await: GCC 12 destroys its temporary twice.)
  std::string stored;
  if (user.ok())
    stored = user.get().password_hash;
  auto checked = co_await ask<bool>(c, c.ctx.actors.passwords, atom::check::value, pw, stored);
  if (!checked.ok())
    co_return send_password_error(c, checked);
  bool ok = checked.get();
  if (!ok) {
    // The account's id when there is one; what was typed for an unknown
    // account is not kept (it may be a password typed in the wrong field).
    audit(c.ctx, "login_failed", user.ok() ? user.get().id : "", "", c.remote,
          {{"account", user.ok() ? "known" : "unknown"}});
    co_return send_error(c.res, ec::invalid_credentials, "email or password is wrong");
  }
  limiter.login_succeeded(*email, c.remote, now_ms());
  audit(c.ctx, "login_succeeded", user.get().id, "", c.remote);
  co_await start_session(c, user.get(), 200);
}

/// A refresh token used twice: two parties hold it, so the whole sign-in ends.
task<> revoke_family(const call& c, const credential& old) {
  write_op op;
  op.kind = write_op::revoke_family;
  op.key = old.family;
  op.at = now_ms();
  co_await write(c, op);
  audit(c.ctx, "refresh_reuse", old.user_id, old.family, c.remote);
  send_error(c.res, ec::invalid_credentials,
             "refresh_token: already used; every session of this sign-in was revoked, sign in "
             "again");
}

task<> refresh(const call& c) {
  auto doc = read_object(c.req, c.res, {"refresh_token"});
  std::string token;
  if (!doc || !read_string(*doc, "refresh_token", 128, true, token, c.res))
    co_return;
  const std::string unknown = "refresh_token: unknown or revoked; sign in again";
  if (!secret_token::well_formed(token, secret_token::refresh_prefix))
    co_return send_error(c.res, ec::invalid_credentials, unknown);
  auto hash = secret_token::hash(token);
  auto found = co_await ask<credential>(c, c.ctx.actors.readers, atom::cred_get::value, hash);
  if (!found.ok())
    co_return send_error(c.res, found.error().code == ec::not_found
                                 ? problem{ec::invalid_credentials, unknown}
                                 : found.error());
  const auto& old = found.get();
  switch (refresh_rotation::decide(old, now_ms())) {
    case refresh_rotation::outcome::wrong_kind:
      co_return send_error(c.res, ec::invalid_credentials, unknown);
    case refresh_rotation::outcome::expired:
      co_return send_error(c.res, ec::invalid_credentials, "refresh_token: expired; sign in again");
    case refresh_rotation::outcome::reuse_detected:
      co_return co_await revoke_family(c, old);
    case refresh_rotation::outcome::rotate:
      break;
  }
  auto user = co_await ask<user_record>(c, c.ctx.actors.readers, atom::user_get::value, old.user_id);
  if (!user.ok())
    co_return send_error(c.res, user.error().code == ec::not_found
                                 ? problem{ec::invalid_credentials, unknown}
                                 : user.error());
  auto next = make_refresh(c.ctx, old.user_id, old.family);
  write_op op;
  op.kind = write_op::rotate_refresh;
  op.key = hash;
  op.cred = next.stored;
  op.at = now_ms();
  auto done = co_await write(c, op);
  if (!done.ok()) {
    // Someone used the same token a moment ago: two parties hold it.
    if (done.error().code == ec::conflict)
      co_return co_await revoke_family(c, old);
    co_return send_error(c.res, done.error());
  }
  send_json(c.res, 200, session_json(c.ctx, user.get(), next));
}

task<> logout(const call& c) {
  auto doc = read_object(c.req, c.res, {"refresh_token"});
  std::string token;
  if (!doc || !read_string(*doc, "refresh_token", 128, false, token, c.res))
    co_return;
  write_op op;
  op.at = now_ms();
  if (token.empty()) {
    op.kind = write_op::revoke_user_refresh;
    op.user.id = c.who.user_id;
  } else {
    reply<credential> found{problem{ec::not_found, ""}};
    if (secret_token::well_formed(token, secret_token::refresh_prefix))
      found = co_await ask<credential>(c, c.ctx.actors.readers, atom::cred_get::value,
                                       secret_token::hash(token));
    if (!found.ok() && found.error().code != ec::not_found)
      co_return send_error(c.res, found.error());
    if (!found.ok() || found.get().kind != "refresh" || found.get().user_id != c.who.user_id)
      co_return send_error(c.res, ec::invalid_request,
                        "refresh_token: not a refresh token of this account");
    op.kind = write_op::revoke_family;
    op.key = found.get().family;
  }
  auto done = co_await write(c, op);
  if (!done.ok())
    co_return send_error(c.res, done.error());
  audit(c, "logout", c.who.user_id, {{"all_sessions", token.empty()}});
  c.res.status = 204;
}

task<reply<user_record>> current_user(const call& c) {
  co_return co_await ask<user_record>(c, c.ctx.actors.readers, atom::user_get::value, c.who.user_id);
}

task<> get_me(const call& c) {
  auto user = co_await current_user(c);
  if (!user.ok())
    co_return send_error(c.res, user.error());
  send_json(c.res, 200, user_json(user.get()));
}

task<> update_me(const call& c) {
  auto doc = read_object(c.req, c.res, {"display_name", "password", "current_password"});
  if (!doc)
    co_return;
  auto user = co_await current_user(c);
  if (!user.ok())
    co_return send_error(c.res, user.error());
  auto u = user.get();
  if (!read_string(*doc, "display_name", max_display_name, false, u.display_name, c.res))
    co_return;
  bool password_change = doc->contains("password") && !(*doc)["password"].is_null();
  if (password_change) {
    std::string current, next;
    if (!read_string(*doc, "current_password", password::max_length, true, current, c.res))
      co_return;
    if (!password_budget(c))
      co_return;
    auto& limiter = *c.ctx.limiter;
    auto now = now_ms();
    if (auto d = limiter.login_attempt(u.email, c.remote, now); !d.allowed)
      co_return send_rate_limited(c.res, d, "too many wrong passwords for this account");
    auto matches = co_await ask<bool>(c, c.ctx.actors.passwords, atom::check::value, current,
                                      u.password_hash);
    if (!matches.ok())
      co_return send_password_error(c, matches);
    if (!matches.get()) {
      audit(c, "password_change_failed", u.id);
      co_return send_error(c.res, ec::invalid_credentials, "current_password: wrong password");
    }
    limiter.login_succeeded(u.email, c.remote, now_ms());
    if (!read_new_password(*doc, u.email, c.res, next))
      co_return;
    auto hashed = co_await ask<std::string>(c, c.ctx.actors.passwords, atom::hash::value, next);
    if (!hashed.ok())
      co_return send_password_error(c, hashed);
    u.password_hash = std::move(hashed.get());
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
  auto done = co_await write(c, std::move(ops));
  if (!done.ok())
    co_return send_error(c.res, done.error());
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
