#include "http/limits.hpp"

#include "http/respond.hpp"
#include "http/route_table.hpp"

namespace tessera::http {

namespace {

std::vector<ip_address::range> parse_ranges(const std::vector<std::string>& texts) {
  std::vector<ip_address::range> out;
  for (const auto& t : texts)
    if (auto r = ip_address::parse_range(t))  // config validation refused bad ones
      out.push_back(*r);
  return out;
}

double per_second(int count, config::millis window) {
  return count / std::max(0.001, window.count() / 1000.0);
}

// A shared NAT may put many people behind one address, and many addresses may
// try one account: each gets several accounts' (addresses') worth of failures.
constexpr int wide_failures_factor = 4;

// How long, and for how many (account, address) pairs, a successful sign-in
// spares an address the account-wide throttle.
constexpr int64_t known_address_ms = 30LL * 24 * 3600 * 1000;
constexpr size_t known_addresses = 100'000;

}  // namespace

limits::limits(const config::settings& s)
    : enabled_(s.rate_limit.enabled),
      trusted_(parse_ranges(s.server.trusted_proxies)),
      requests_(s.rate_limit.requests_per_sec, s.rate_limit.burst_size),
      login_account_here_(per_second(s.user_auth.login_max_failures, s.user_auth.login_window),
                          s.user_auth.login_max_failures),
      login_account_(per_second(s.user_auth.login_max_failures * wide_failures_factor,
                                s.user_auth.login_window),
                     s.user_auth.login_max_failures * wide_failures_factor),
      login_ip_(per_second(s.user_auth.login_max_failures * wide_failures_factor,
                           s.user_auth.login_window),
                s.user_auth.login_max_failures * wide_failures_factor),
      passwords_(s.user_auth.password_requests_per_minute / 60.0,
                 s.user_auth.password_requests_per_minute),
      bridge_callers_(s.bridge.caller_calls_per_sec, s.bridge.caller_burst),
      bridge_agents_(s.bridge.agent_calls_per_sec, s.bridge.agent_burst),
      signed_in_from_(known_address_ms, known_addresses),
      counted_in_window_(s.user_auth.login_window.count(), known_addresses) {}

std::string limits::client_of(const request& req) const {
  if (trusted_.empty())
    return req.remote_addr;
  // Several X-Forwarded-For headers read as one list, in order.
  std::string forwarded;
  for (const auto& value : req.header_values("X-Forwarded-For"))
    forwarded += (forwarded.empty() ? "" : ",") + value;
  return ip_address::client_of(req.remote_addr, forwarded, trusted_);
}

std::string limits::address_key(const std::string& ip) {
  return ip_address::client_key(ip);
}

bool limits::is_trusted_proxy(const std::string& peer) const {
  if (trusted_.empty())
    return false;
  auto a = ip_address::parse(peer);
  return a && std::any_of(trusted_.begin(), trusted_.end(),
                          [&](const auto& r) { return ip_address::contains(r, *a); });
}

rate_limit::decision limits::take_ip(const std::string& ip, int64_t now_ms) {
  if (!enabled_)
    return {};
  return requests_.take("ip:" + address_key(ip), now_ms);
}

rate_limit::decision limits::take_password(const std::string& ip, int64_t now_ms) {
  if (!enabled_)
    return {};
  return passwords_.take(address_key(ip), now_ms);
}

rate_limit::decision limits::take_principal(const principal& who, int64_t now_ms) {
  if (!enabled_ || who.kind == principal::anonymous)
    return {};
  return requests_.take((who.kind == principal::user ? "user:" : "agent:") + who.id(), now_ms);
}

rate_limit::decision limits::take_call(const principal& who, const std::string& ip,
                                       const std::string& agent_id, int64_t now_ms) {
  if (!enabled_)
    return {};
  auto caller = who.kind == principal::anonymous
                    ? "ip:" + address_key(ip)
                    : (who.kind == principal::user ? "user:" : "agent:") + who.id();
  auto d = bridge_callers_.take(caller, now_ms);
  if (!d.allowed)
    return d;
  d = bridge_agents_.take(agent_id, now_ms);
  if (!d.allowed)
    bridge_callers_.give_back(caller);  // the call does not happen: it does not count
  return d;
}

rate_limit::decision limits::login_attempt(const std::string& email, const std::string& ip,
                                           int64_t now_ms) {
  auto address = address_key(ip);
  auto here = email + " " + address;
  // The account-wide count is of addresses: an address counts there once
  // per login_window (from its first attempt in it), so each address gets at
  // most its own bucket's worth of guesses per window, and the account at
  // most four times login_max_failures addresses' worth.
  bool new_address =
      !counted_in_window_.contains(here, now_ms) && !signed_in_from_.contains(here, now_ms);
  auto d = login_account_here_.take(here, now_ms);
  if (!d.allowed)
    return d;
  if (new_address) {
    if (d = login_account_.take(email, now_ms); !d.allowed) {
      login_account_here_.give_back(here);
      return d;
    }
    counted_in_window_.note(here, now_ms);
  }
  if (d = login_ip_.take(address, now_ms); !d.allowed) {
    login_account_here_.give_back(here);
    if (new_address)
      login_account_.give_back(email);
  }
  return d;
}

void limits::login_succeeded(const std::string& email, const std::string& ip, int64_t now_ms) {
  auto address = address_key(ip);
  auto here = email + " " + address;
  login_account_here_.reset(here);
  login_account_.give_back(email);
  login_ip_.give_back(address);
  signed_in_from_.note(here, now_ms);
}

void send_rate_limited(response& res, const rate_limit::decision& d,
                       const std::string& what) {
  auto seconds = std::max<int64_t>(1, (d.retry_after_ms + 999) / 1000);
  send_error(res, ec::rate_limited,
             what + "; retry after " + std::to_string(seconds) + " s");
  res.set_header("Retry-After", std::to_string(seconds));
}

}  // namespace tessera::http
