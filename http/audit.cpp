#include "http/audit.hpp"

namespace tessera::http {

void audit(const context& ctx, const std::string& action, const std::string& actor,
           const std::string& target, const std::string& remote, const nlohmann::json& detail) {
  audit_entry e;
  e.action = action;
  e.actor = actor;
  e.target = target;
  e.remote = remote;
  e.detail = detail.dump();
  caf::anon_send(ctx.actors.audit, std::move(e));
}

void audit(const call& c, const std::string& action, const std::string& target,
           const nlohmann::json& detail) {
  audit(c.ctx, action, c.who.id(), target, c.remote, detail);
}

}  // namespace tessera::http
