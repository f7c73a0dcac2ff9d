#pragma once
// Request limits, in one place: the client address (X-Forwarded-For only from
// server.trusted_proxies), token buckets per IP, per user and per agent
// (rate_limit.*), and login throttling per account and per IP (user_auth.*).
#include "http/message.hpp"

#include <string>
#include <vector>

#include "config/settings.hpp"
#include "protocol/ip_address.hpp"
#include "protocol/rate_limit.hpp"
#include "protocol/recent_keys.hpp"

namespace tessera::http {

struct principal;

class limits {
public:
  explicit limits(const config::settings& s);

  /// The client's address: the socket peer, or what trusted proxies forwarded.
  std::string client_of(const request& req) const;
  /// Whether a socket peer is one of server.trusted_proxies.
  bool is_trusted_proxy(const std::string& peer) const;

  /// The key an address counts under: itself, or its /64 for IPv6 (a client
  /// usually holds a whole /64, and each of its addresses would count apart).
  static std::string address_key(const std::string& ip);

  /// One request from `ip` (before routing) and from an authenticated caller.
  rate_limit::decision take_ip(const std::string& ip, int64_t now_ms);
  rate_limit::decision take_principal(const principal& who, int64_t now_ms);
  /// A request that runs Argon2id (register, login, password change) from
  /// `ip`: user_auth.password_requests_per_minute, when rate limits are on.
  rate_limit::decision take_password(const std::string& ip, int64_t now_ms);
  /// A call through the bridge to `agent_id` by `who` (from `ip` when anonymous):
  /// bridge.caller_* per caller, then bridge.agent_* per agent, when rate limits are on.
  rate_limit::decision take_call(const principal& who, const std::string& ip,
                                 const std::string& agent_id, int64_t now_ms);

  /// Login throttling, counted before the password is checked so parallel
  /// guesses can't outrun it. An attempt takes a token from the account from
  /// this address (login_max_failures) and from the address for any account
  /// (four times that). The account from anywhere counts addresses, not
  /// attempts: an address's first attempt in each login_window takes a token
  /// (four times login_max_failures addresses), so a few addresses can't lock
  /// the owner out, and each address still gets only its own bucket's worth. An address that signed in to the account within 30 days is
  /// spared the account-wide count: even a botnet can't lock the owner out of
  /// where they sign in from. A success refills the account from this address
  /// and gives the other two their token back.
  rate_limit::decision login_attempt(const std::string& email, const std::string& ip,
                                     int64_t now_ms);
  void login_succeeded(const std::string& email, const std::string& ip, int64_t now_ms);

private:
  bool enabled_;
  std::vector<ip_address::range> trusted_;
  rate_limit::buckets requests_;
  rate_limit::buckets login_account_here_;
  rate_limit::buckets login_account_;
  rate_limit::buckets login_ip_;
  rate_limit::buckets passwords_;
  rate_limit::buckets bridge_callers_;
  rate_limit::buckets bridge_agents_;
  recent_keys signed_in_from_;     // "email address" of recent successes
  recent_keys counted_in_window_;  // "email address" counted account-wide this window
};

/// 429 with Retry-After (whole seconds, at least 1).
void send_rate_limited(response& res, const rate_limit::decision& d,
                       const std::string& what);

}  // namespace tessera::http
