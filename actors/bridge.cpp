#include "actors/bridge.hpp"

#include <nlohmann/json.hpp>

#include "actors/clock.hpp"
#include "actors/errors.hpp"
#include "protocol/secret_token.hpp"

namespace tessera {

bridge_actor::behavior_type bridge_hub(bridge_actor::stateful_pointer<bridge_state> self,
                                       config::bridge_settings cfg) {
  self->state.sessions = std::make_unique<bridge::mcp_sessions>(
      static_cast<size_t>(cfg.max_sessions), cfg.session_ttl.count());
  return {
      [=](atom::mcp_open, bridge::mcp_session session) -> caf::result<std::string> {
        auto& st = self->state;
        auto id = secret_token::generate("mcs_");
        if (!st.sessions->open(id, std::move(session), now_ms())) {
          st.refused += 1;
          return make_error(ec::unavailable,
                            "too many MCP sessions on this node (bridge.max_sessions); retry later");
        }
        st.opened += 1;
        return id;
      },
      [=](atom::mcp_use, const std::string& id,
          const std::string& agent_id) -> caf::result<bridge::mcp_session> {
        if (auto s = self->state.sessions->use(id, agent_id, now_ms()))
          return *s;
        return make_error(ec::not_found, "no such MCP session (it ended or expired): initialize again");
      },
      [=](atom::mcp_close, const std::string& id, const std::string& agent_id) {
        bool closed = self->state.sessions->close(id, agent_id);
        self->state.closed += closed ? 1 : 0;
        return closed;
      },
      [=](atom::status) -> std::string {
        auto& st = self->state;
        return nlohmann::json{{"mcp_sessions", st.sessions->size()},
                              {"opened", st.opened},
                              {"refused", st.refused},
                              {"closed", st.closed}}
            .dump();
      },
  };
}

}  // namespace tessera
