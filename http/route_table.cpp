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
    case access::caller: return "caller";
  }
  return "?";
}

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  size_t at = 1;  // after the leading '/'
  while (at <= path.size()) {
    auto slash = path.find('/', at);
    if (slash == std::string_view::npos)
      slash = path.size();
    out.push_back(path.substr(at, slash - at));
    at = slash + 1;
  }
  return out;
}

bool is_param(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

/// Whether `r` matches `parts`; a literal segment beats a parameter, so
/// /agents/watch is not /agents/{id}: `literals` counts them for the choice.
bool matches(const route& r, const std::vector<std::string_view>& parts, int& literals) {
  if (r.segments.size() != parts.size())
    return false;
  literals = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (is_param(r.segments[i])) {
      if (parts[i].empty())
        return false;
    } else if (r.segments[i] != parts[i]) {
      return false;
    } else {
      ++literals;
    }
  }
  return true;
}

}  // namespace

route::route(std::string method, std::string path, access policy, handler fn, bool accounts)
    : method(std::move(method)), path(std::move(path)), policy(policy), fn(fn), accounts(accounts) {
  for (auto part : split_path(this->path))
    segments.emplace_back(part);
}

const std::vector<route>& route_table() {
  static const std::vector<route> all = [] {
    std::vector<route> out;
    for (auto group : {health_routes, agent_routes, claim_routes, auth_routes, api_key_routes,
                       provider_routes, admin_routes, directory_routes, verify_routes, category_routes,
                       review_routes, report_routes, reputation_routes,
                       signaling_routes, contact_routes, mcp_routes, bridge_routes}) {
      auto routes = group();
      out.insert(out.end(), routes.begin(), routes.end());
    }
    return out;
  }();
  return all;
}

const route* find_route(std::string_view method, std::string_view path,
                        std::vector<std::string>& params, bool& path_known, std::string& allowed) {
  path_known = false;
  allowed.clear();
  if (path.empty() || path.front() != '/')
    return nullptr;
  auto parts = split_path(path);
  const route* best = nullptr;
  int best_literals = -1;
  for (const auto& r : route_table()) {
    int literals = 0;
    if (!matches(r, parts, literals))
      continue;
    if (r.method != method) {
      path_known = true;
      if (allowed.find(r.method) == std::string::npos)
        allowed += (allowed.empty() ? "" : ", ") + r.method;
      continue;
    }
    if (literals > best_literals) {
      best = &r;
      best_literals = literals;
    }
  }
  if (best) {
    params.clear();
    for (size_t i = 0; i < parts.size(); ++i)
      if (is_param(best->segments[i]))
        params.emplace_back(parts[i]);
  }
  return best;
}

}  // namespace tessera::http
