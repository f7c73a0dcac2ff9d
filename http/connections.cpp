#include "http/connections.hpp"

#include "http/limits.hpp"

namespace tessera::http {

bool connections::per_address(const std::string& peer) const {
  return !ctx.limiter->is_trusted_proxy(peer);
}

bool connections::admit(const std::string& peer, std::string& why) {
  const auto& limits = ctx.cfg.rate_limit;
  std::lock_guard lock(m_);
  if (open_.load() >= limits.max_connections) {
    why = "server busy: too many open connections (rate_limit.max_connections); retry";
    return false;
  }
  if (per_address(peer)) {
    auto key = limits::address_key(peer);
    auto& count = by_address_[key];
    if (count >= limits.max_connections_per_address) {
      why = "too many open connections from this address "
            "(rate_limit.max_connections_per_address); close some and retry";
      return false;
    }
    ++count;
  }
  open_.fetch_add(1);
  return true;
}

void connections::release(const std::string& peer) {
  std::lock_guard lock(m_);
  if (per_address(peer)) {
    auto it = by_address_.find(limits::address_key(peer));
    if (it != by_address_.end() && --it->second <= 0)
      by_address_.erase(it);
  }
  if (open_.fetch_sub(1) == 1)
    idle_.notify_all();
}

void connections::add(connection* c, std::weak_ptr<connection> w) {
  std::lock_guard lock(m_);
  list_.emplace(c, std::move(w));
}

void connections::remove(connection* c) {
  std::lock_guard lock(m_);
  list_.erase(c);
  if (list_.empty())
    idle_.notify_all();
}

std::vector<std::shared_ptr<connection>> connections::all() {
  std::vector<std::shared_ptr<connection>> out;
  std::lock_guard lock(m_);
  for (auto& [_, w] : list_)
    if (auto c = w.lock())
      out.push_back(std::move(c));
  return out;
}

bool connections::wait_all_closed(std::chrono::milliseconds limit) {
  std::unique_lock lock(m_);
  return idle_.wait_for(lock, limit, [&] { return list_.empty(); });
}

}  // namespace tessera::http
