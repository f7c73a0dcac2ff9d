#pragma once
// Every route of the REST API with its access policy, declared in one table.
// A route can only be served through this table, and its constructor needs a
// policy, so a route without one does not compile; the authorization matrix
// test is generated from the same table.
#include <string>
#include <string_view>
#include <vector>

#include "http/context.hpp"
#include "http/message.hpp"
#include "http/task.hpp"

namespace tessera::http {

/// Who may call a route.
enum class access {
  open,          // anyone, whatever auth.required says
  read,          // anyone when auth.required is false; otherwise any valid credential
  agent,         // the agent the route is about: its RFC 9421 signature or an API key scoped to it
  agent_signed,  // the agent the route is about, by signature only (its key is the proof)
  user,          // a signed-in user (access token or unscoped API key), on their own things
  owner,         // the user who owns the agent named in the path, or an admin
  agent_or_owner,  // the agent (as for `agent`), or its owner, or an admin
  admin,         // a user whose role is admin
  caller,        // calling an agent through the bridge, as bridge.policy says: open (anyone),
                 // users (any agent or user credential) or contacts (the agent's mutual contacts,
                 // the agent itself, its owner, an admin)
};

const char* to_string(access a);

/// Who a request was authenticated as.
struct principal {
  enum kind_t { anonymous, agent, user };
  kind_t kind = anonymous;
  std::string agent_id;  // agent: the signer, or the agent an API key is scoped to
  std::string user_id;   // user, or the user who made an agent-scoped API key
  std::string role;      // user: user | admin
  std::string via;       // signature | access_token | api_key
  std::string key_id;    // via api_key: the key's public id

  bool is_admin() const { return kind == user && role == "admin"; }
  /// For audit entries: the user or agent id, "" when anonymous.
  const std::string& id() const { return kind == agent ? agent_id : user_id; }
};

class io_worker;

/// What a handler gets: the request, the response to fill, who is asking and
/// from where (the client address, behind trusted proxies too), and the I/O
/// worker its asks go through (http/ask.hpp). Lives until the answer is written.
struct call {
  const context& ctx;
  const request& req;
  response& res;
  const principal& who;
  const std::string& remote;
  io_worker& io;
};

/// A handler is a coroutine: it may co_await actors and sub-handlers.
using handler = task<> (*)(const call&);

struct route {
  /// `path` uses {name} for a path segment, e.g. "/api/v1/agents/{id}".
  /// `accounts`: the route belongs to user accounts and answers 404 while
  /// user_auth.enabled is false.
  route(std::string method, std::string path, access policy, handler fn, bool accounts = false);

  std::string method;
  std::string path;
  access policy;
  handler fn;
  bool accounts;
  std::vector<std::string> segments;  // of `path`; "{...}" matches any one segment
};

/// Every route of the server.
const std::vector<route>& route_table();

/// The route for a method and a decoded path, its {name} segments in
/// `params`. nullptr when none; `path_known` then says whether the path
/// matched another method (405) or none (404), and `allowed` lists them.
const route* find_route(std::string_view method, std::string_view path,
                        std::vector<std::string>& params, bool& path_known, std::string& allowed);

// Route groups, one file each.
std::vector<route> agent_routes();
std::vector<route> health_routes();
std::vector<route> auth_routes();
std::vector<route> api_key_routes();
std::vector<route> claim_routes();
std::vector<route> signaling_routes();
std::vector<route> contact_routes();
std::vector<route> provider_routes();
std::vector<route> admin_routes();
std::vector<route> directory_routes();
std::vector<route> verify_routes();
std::vector<route> category_routes();
std::vector<route> review_routes();
std::vector<route> report_routes();
std::vector<route> reputation_routes();
std::vector<route> mcp_routes();
std::vector<route> bridge_routes();

}  // namespace tessera::http
