#include "protocol/bridge/mcp_sessions.hpp"

namespace tessera::bridge {

bool mcp_sessions::open(const std::string& id, mcp_session session, int64_t now) {
  if (sessions_.size() >= max_) drop_expired(now);
  if (sessions_.size() >= max_) return false;
  session.last_used = now;
  sessions_.insert_or_assign(id, std::move(session));
  return true;
}

std::optional<mcp_session> mcp_sessions::use(const std::string& id, const std::string& agent_id,
                                             int64_t now) {
  auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second.agent_id != agent_id) return std::nullopt;
  if (expired(it->second, now)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_used = now;
  return it->second;
}

bool mcp_sessions::close(const std::string& id, const std::string& agent_id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second.agent_id != agent_id) return false;
  sessions_.erase(it);
  return true;
}

void mcp_sessions::drop_expired(int64_t now) {
  std::erase_if(sessions_, [&](const auto& entry) { return expired(entry.second, now); });
}

}  // namespace tessera::bridge
