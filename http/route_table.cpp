#include "http/route_table.hpp"

namespace tessera::http {

const char* to_string(access a) {
  switch (a) {
    case access::open: return "open";
    case access::read: return "read";
    case access::agent: return "agent";
    case access::agent_signed: return "agent_signed";
    case access::user: return "user";
    case access::owner: return "owner";
    case access::agent_or_owner: return "agent_or_owner";
    case access::admin: return "admin";
  }
  return "?";
}

route::route(std::string method, std::string path, access policy, handler fn, bool accounts)
    : method(std::move(method)), path(std::move(path)), policy(policy), fn(fn), accounts(accounts) {}

const std::vector<route>& route_table() {
  static const std::vector<route> all = [] {
    std::vector<route> out;
    for (auto group : {health_routes, agent_routes, claim_routes, auth_routes, api_key_routes,
                       provider_routes, admin_routes, directory_routes, verify_routes, category_routes,
                       review_routes, report_routes, reputation_routes,
                       signaling_routes, contact_routes}) {
      auto routes = group();
      out.insert(out.end(), routes.begin(), routes.end());
    }
    return out;
  }();
  return all;
}

std::string path_pattern(const std::string& path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '{') {
      out += path[i];
      continue;
    }
    i = path.find('}', i);
    out += "([^/]+)";
  }
  return out;
}

}  // namespace tessera::http
