#pragma once
// The MCP sessions the gateway holds: its own session id (what the client
// sees in Mcp-Session-Id) -> the agent, the backend's session id and the
// protocol revision agreed at initialize. Bounded in number and by idle age:
// a session unused for `ttl` is gone (404, the client initializes again), and
// when all `max` are in use a new one is refused rather than pushing out a
// live one -- a client opening sessions in a loop can't end other clients'.
#include <caf/meta/type_name.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

namespace tessera::bridge {

struct mcp_session {
  std::string agent_id;
  std::string backend_session;   // "" when the backend issued none
  std::string protocol_version;  // the revision the backend answered initialize with
  int64_t last_used = 0;         // ms since the epoch
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, mcp_session& x) {
  return f(caf::meta::type_name("mcp_session"), x.agent_id, x.backend_session,
           x.protocol_version, x.last_used);
}

class mcp_sessions {
public:
  mcp_sessions(size_t max, int64_t ttl_ms) : max_(max), ttl_(ttl_ms) {}

  /// Adds a session under `id` (fresh and random, from the caller); false when
  /// all `max` are in use by sessions that have not expired.
  bool open(const std::string& id, mcp_session session, int64_t now);

  /// The session `id` of `agent_id`, marked used now; nullopt when it is
  /// unknown, expired or another agent's.
  std::optional<mcp_session> use(const std::string& id, const std::string& agent_id,
                                 int64_t now);

  /// Ends the session `id` of `agent_id`; false when there is none.
  bool close(const std::string& id, const std::string& agent_id);

  size_t size() const { return sessions_.size(); }

private:
  bool expired(const mcp_session& s, int64_t now) const { return now - s.last_used >= ttl_; }
  void drop_expired(int64_t now);

  size_t max_;
  int64_t ttl_;
  std::unordered_map<std::string, mcp_session> sessions_;
};

}  // namespace tessera::bridge
