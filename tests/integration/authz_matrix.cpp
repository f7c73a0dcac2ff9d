// The authorization matrix, generated from the route table: every route of
// the server, called by each kind of caller, must answer what its declared
// policy promises, and a refused call must change nothing. A route added to
// the table without a request recipe here fails this suite.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "http/route_table.hpp"
#include "protocol/verify_challenge.hpp"
#include "support.hpp"

using namespace tessera::test;
using policy = tessera::http::access;
using nlohmann::json;

namespace {

const std::string password = "a long enough matrix password";

/// The callers of the matrix.
enum class caller { anonymous, other_agent, other_user, self, admin };

const char* name(caller c) {
  switch (c) {
    case caller::anonymous: return "anonymous";
    case caller::other_agent: return "another agent";
    case caller::other_user: return "another user";
    case caller::self: return "the owner or the agent itself";
    case caller::admin: return "an admin";
  }
  return "?";
}

constexpr caller all_callers[] = {caller::anonymous, caller::other_agent, caller::other_user,
                                  caller::self, caller::admin};

/// What a policy promises each caller; 0 means "the route's success status".
/// A route whose path names something of the owner's (a key) hides it from
/// other users: 404.
int expected(policy p, caller c, bool names_own_thing, bool auth_required) {
  switch (p) {
    case policy::open:
      return 0;
    case policy::caller:  // bridge.policy open: like users under auth.required
      return c == caller::anonymous && auth_required ? 401 : 0;
    case policy::read:
      return c == caller::anonymous && auth_required ? 401 : 0;
    case policy::agent:
    case policy::agent_signed:
      if (c == caller::anonymous)
        return 401;
      return c == caller::self ? 0 : 403;
    case policy::user:
      if (c == caller::anonymous || c == caller::other_agent)
        return 401;
      if (names_own_thing && c != caller::self)
        return 404;
      return 0;
    case policy::owner:
      if (c == caller::anonymous || c == caller::other_agent)
        return 401;
      return c == caller::other_user ? 403 : 0;
    case policy::agent_or_owner:
      if (c == caller::anonymous)
        return 401;
      return c == caller::other_user || c == caller::other_agent ? 403 : 0;
    case policy::admin:
      if (c == caller::anonymous || c == caller::other_agent)
        return 401;
      return c == caller::admin ? 0 : 403;
  }
  return -1;
}

/// One request of the matrix, before credentials are added.
struct request {
  std::string target;
  std::string body;
  httplib::Headers headers;
};

/// An endpoint on 127.0.0.1 that passes endpoint verification for every
/// agent whose key it was given: GET /<agent id>/.well-known/tessera-verify.
class verify_endpoint {
public:
  verify_endpoint() {
    server_.Get(R"(/([^/]+)/\.well-known/tessera-verify)",
                [this](const httplib::Request& req, httplib::Response& res) {
                  std::string id = req.matches[1], key;
                  {
                    std::lock_guard lock(mutex_);
                    auto it = keys_.find(id);
                    if (it == keys_.end())
                      return void(res.status = 404);
                    key = it->second;
                  }
                  res.set_content(tessera::verify_challenge::answer(
                                      id, req.get_param_value("challenge"), key),
                                  "application/json");
                });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ~verify_endpoint() {
    server_.stop();
    thread_.join();
  }

  /// The card url under which `a` answers its challenges.
  std::string serve(const agent& a) {
    std::lock_guard lock(mutex_);
    keys_[a.id] = a.key.secret_key;
    return "http://127.0.0.1:" + std::to_string(port_) + "/" + a.id;
  }

private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::map<std::string, std::string> keys_;
};

struct matrix_fixture {
  verify_endpoint endpoint;  // first: it outlives the server that calls it
  temp_dir dir;
  test_database db{dir};
  std::unique_ptr<server_process> server;
  account alice, bob, admin;
  agent bobs_agent;
  int users = 0;

  explicit matrix_fixture(bool auth_required) {
    server = std::make_unique<server_process>(
        dir, db,
        account_settings(dir, {{"auth.required", auth_required ? "true" : "false"},
                               {"security.allow_cidrs", "[\"127.0.0.1/32\"]"}}));
    server->start();
    alice = sign_up(*server, "alice@example.com", "Alice");
    bob = sign_up(*server, "bob@example.com", "Bob");
    admin = make_admin(dir, *server, "root@example.com");
    register_and_claim(*server, bobs_agent, bob);
  }

  http_result post(const std::string& target, const json& body, const std::string& token = "") {
    return server->send("POST", target, body.dump(), token.empty() ? httplib::Headers{} : bearer(token));
  }

  std::string refresh_token(const account& a) {
    auto res = login(*server, a.email, a.password);
    BOOST_REQUIRE_MESSAGE(res.status == 200, res.body);
    return res.json()["refresh_token"];
  }

  account make_user(const std::string& who) {
    return sign_up(*server, who + std::to_string(++users) + "@example.com", who);
  }

  /// A registered agent that belongs to alice.
  agent alices_agent() {
    agent a;
    register_and_claim(*server, a, alice);
    return a;
  }

  std::string alices_key() {
    auto res = post("/api/v1/auth/api-keys", {{"name", "matrix"}}, alice.access_token);
    BOOST_REQUIRE_MESSAGE(res.status == 201, res.body);
    return res.json()["id"];
  }

  /// Everything a refused call could have changed, as the admin sees it.
  std::string state() {
    std::string out;
    for (auto target : {"/api/v1/admin/agents?limit=200", "/api/v1/admin/users?limit=200",
                        "/api/v1/admin/dashboard"}) {
      auto res = server->get(target, admin.auth());
      BOOST_REQUIRE_MESSAGE(res.status == 200, res.body);
      out += res.body;
    }
    for (const auto* a : {&alice, &bob})
      out += server->get("/api/v1/auth/api-keys", a->auth()).body;
    return out;
  }
};

/// How to make a valid request for one route, for a given caller: the request
/// (a fresh subject each time, so destructive calls don't disturb each other),
/// and the agent that is "self" for agent routes.
struct recipe {
  policy pinned;  // the policy this route must keep: weakening one is a deliberate change here too
  int success;
  bool names_own_thing = false;  // the path names something of alice's (404 to others)
  std::function<request(matrix_fixture&, caller, agent& self)> make;
  bool streams = false;  // its success is a stream (SSE): only its start is read
};

std::string signed_card_body(const agent& a, const std::string& name) {
  return a.sign(a.card(name)).dump();
}

using recipe_book = std::map<std::string, recipe>;

// Recipes of the trust engine's routes, one function per route group.
void verify_recipes(recipe_book& r) {
  using F = matrix_fixture;
  // A fresh agent each time (verifier.min_interval is per agent), whose card
  // url is the matrix's endpoint, so a verification allowed through passes.
  auto verifiable = [](std::string prefix) {
    return [prefix](F& f, caller, agent& self) {
      auto card = self.card("Verifiable");
      card["url"] = f.endpoint.serve(self);
      auto reg = self.register_at(*f.server, self.sign(card));
      BOOST_REQUIRE_MESSAGE(reg.status == 201, reg.body);
      return request{prefix + self.id + "/verify", "", {}};
    };
  };
  r["POST /api/v1/agents/{id}/verify"] = {policy::agent_or_owner, 200, false,
                                          verifiable("/api/v1/agents/")};
  r["POST /api/v1/admin/agents/{id}/verify"] = {policy::admin, 200, false,
                                                verifiable("/api/v1/admin/agents/")};
  r["DELETE /api/v1/admin/agents/{id}/verify"] = {policy::admin, 200, false,
                                                  verifiable("/api/v1/admin/agents/")};
}

void directory_recipes(recipe_book& r) {
  using F = matrix_fixture;
  r["GET /api/v1/directory"] = {policy::open, 200, false, [](F&, caller, agent&) {
                                  return request{"/api/v1/directory?sort=name&limit=5", "", {}};
                                }};
  r["GET /api/v1/directory/{id}"] = {policy::open, 200, false, [](F& f, caller, agent& self) {
                                       self = f.alices_agent();
                                       return request{"/api/v1/directory/" + self.id, "", {}};
                                     }};
}

void community_recipes(recipe_book& r) {
  using F = matrix_fixture;
  // Review and report subjects are fresh agents nobody owns: every signed-in
  // caller of a `user` route must be allowed to review them.
  auto unowned_agent = [](F& f) {
    agent a;
    auto res = a.register_at(*f.server, a.sign(a.card("Community")));
    BOOST_REQUIRE_MESSAGE(res.status == 201, res.body);
    return a;
  };
  auto new_category = [](F& f) {
    auto id = "cat-" + std::to_string(++f.users);
    auto res = f.post("/api/v1/admin/categories", {{"id", id}, {"name", "Matrix"}},
                      f.admin.access_token);
    BOOST_REQUIRE_MESSAGE(res.status == 201, res.body);
    return id;
  };
  auto caller_account = [](F& f, caller c) -> const account& {
    return c == caller::other_user ? f.bob : c == caller::admin ? f.admin : f.alice;
  };
  auto review_by = [](F& f, const agent& a, const account& who) {
    auto res = f.post("/api/v1/directory/" + a.id + "/reviews", {{"rating", 4}},
                      who.access_token);
    BOOST_REQUIRE_MESSAGE(res.status == 201, res.body);
    return res.json()["id"].get<std::string>();
  };
  // Each report has its own reporter, so none reaches the open-report limit.
  auto report_id = [unowned_agent](F& f) {
    auto reporter = f.make_user("reporter");
    auto res = f.post("/api/v1/reports",
                      {{"target_kind", "agent"}, {"target_id", unowned_agent(f).id},
                       {"reason", "spam"}},
                      reporter.access_token);
    BOOST_REQUIRE_MESSAGE(res.status == 201, res.body);
    return res.json()["id"].get<std::string>();
  };

  r["GET /api/v1/categories"] = {policy::open, 200, false, [](F&, caller, agent&) {
                                   return request{"/api/v1/categories", "", {}};
                                 }};
  r["POST /api/v1/admin/categories"] = {policy::admin, 201, false, [](F& f, caller, agent&) {
    auto id = "new-" + std::to_string(++f.users);
    return request{"/api/v1/admin/categories", json{{"id", id}, {"name", "New"}}.dump(), {}};
  }};
  r["PUT /api/v1/admin/categories/{id}"] = {policy::admin, 200, false,
                                            [new_category](F& f, caller, agent&) {
    return request{"/api/v1/admin/categories/" + new_category(f),
                   json{{"name", "Renamed"}}.dump(), {}};
  }};
  r["DELETE /api/v1/admin/categories/{id}"] = {policy::admin, 204, false,
                                               [new_category](F& f, caller, agent&) {
    return request{"/api/v1/admin/categories/" + new_category(f), "", {}};
  }};
  r["PUT /api/v1/provider/agents/{id}/categories"] = {policy::owner, 200, false,
                                                      [new_category](F& f, caller, agent& self) {
    self = f.alices_agent();
    return request{"/api/v1/provider/agents/" + self.id + "/categories",
                   json{{"categories", json::array({new_category(f)})}}.dump(), {}};
  }};
  r["POST /api/v1/directory/{id}/reviews"] = {policy::user, 201, false,
                                              [unowned_agent](F& f, caller, agent&) {
    return request{"/api/v1/directory/" + unowned_agent(f).id + "/reviews",
                   json{{"rating", 5}}.dump(), {}};
  }};
  r["DELETE /api/v1/directory/{id}/reviews"] = {policy::user, 204, false,
                                                [=](F& f, caller c, agent&) {
    // The caller's own review (a refused caller's is alice's).
    auto a = unowned_agent(f);
    review_by(f, a, caller_account(f, c));
    return request{"/api/v1/directory/" + a.id + "/reviews", "", {}};
  }};
  r["GET /api/v1/directory/{id}/reviews"] = {policy::open, 200, false, [](F& f, caller, agent&) {
    return request{"/api/v1/directory/" + f.bobs_agent.id + "/reviews", "", {}};
  }};
  r["GET /api/v1/directory/{id}/reviews/summary"] = {policy::open, 200, false,
                                                     [](F& f, caller, agent&) {
    return request{"/api/v1/directory/" + f.bobs_agent.id + "/reviews/summary", "", {}};
  }};
  r["DELETE /api/v1/admin/reviews/{id}"] = {policy::admin, 204, false, [=](F& f, caller, agent&) {
    return request{"/api/v1/admin/reviews/" + review_by(f, unowned_agent(f), f.bob), "", {}};
  }};
  r["POST /api/v1/reports"] = {policy::user, 201, false, [unowned_agent](F& f, caller, agent&) {
    return request{"/api/v1/reports",
                   json{{"target_kind", "agent"},
                        {"target_id", unowned_agent(f).id},
                        {"reason", "other"}}
                       .dump(),
                   {}};
  }};
  r["GET /api/v1/admin/reports"] = {policy::admin, 200, false, [](F&, caller, agent&) {
                                      return request{"/api/v1/admin/reports", "", {}};
                                    }};
  r["GET /api/v1/admin/reports/{id}"] = {policy::admin, 200, false,
                                         [report_id](F& f, caller, agent&) {
    return request{"/api/v1/admin/reports/" + report_id(f), "", {}};
  }};
  r["PUT /api/v1/admin/reports/{id}"] = {policy::admin, 200, false,
                                         [report_id](F& f, caller, agent&) {
    return request{"/api/v1/admin/reports/" + report_id(f),
                   json{{"status", "reviewed"}}.dump(), {}};
  }};
  r["DELETE /api/v1/admin/reports/{id}"] = {policy::admin, 204, false,
                                            [report_id](F& f, caller, agent&) {
    return request{"/api/v1/admin/reports/" + report_id(f), "", {}};
  }};
}

// Contacts: "self" is a fresh agent of alice's each time; bob's agent is the
// contact and the sender of requests to it.
void contact_recipes(recipe_book& r) {
  using F = matrix_fixture;
  auto signed_by = [](F& f, const agent& a, const std::string& method, const std::string& target,
                      const json& body) {
    auto text = body.dump();
    auto res = f.server->send(method, target, text, a.sign_request(method, target, text));
    BOOST_REQUIRE_MESSAGE(res.status == 201, target << ": " << res.body);
    return res.json();
  };
  auto path_of = [](const agent& a, const std::string& suffix) {
    return "/api/v1/agents/" + a.id + suffix;
  };
  auto listing = [path_of](std::string suffix) {
    return [path_of, suffix](F& f, caller, agent& self) {
      self = f.alices_agent();
      return request{path_of(self, suffix), "", {}};
    };
  };
  r["GET /api/v1/agents/{id}/contacts"] = {policy::agent_or_owner, 200, false,
                                           listing("/contacts")};
  r["POST /api/v1/agents/{id}/contacts"] = {policy::agent_or_owner, 201, false,
                                            [path_of](F& f, caller, agent& self) {
    self = f.alices_agent();
    return request{path_of(self, "/contacts"), json{{"contact_id", f.bobs_agent.id}}.dump(), {}};
  }};
  r["DELETE /api/v1/agents/{id}/contacts/{contact_id}"] = {policy::agent_or_owner, 204, false,
                                                           [=](F& f, caller, agent& self) {
    self = f.alices_agent();
    signed_by(f, self, "POST", path_of(self, "/contacts"), {{"contact_id", f.bobs_agent.id}});
    return request{path_of(self, "/contacts/" + f.bobs_agent.id), "", {}};
  }};
  r["POST /api/v1/agents/{id}/contact-requests"] = {policy::agent_or_owner, 201, false,
                                                    [path_of](F& f, caller, agent& self) {
    self = f.alices_agent();
    return request{path_of(self, "/contact-requests"), json{{"to_id", f.bobs_agent.id}}.dump(),
                   {}};
  }};
  r["GET /api/v1/agents/{id}/contact-requests/incoming"] = {
      policy::agent_or_owner, 200, false, listing("/contact-requests/incoming?status=pending")};
  r["GET /api/v1/agents/{id}/contact-requests/sent"] = {policy::agent_or_owner, 200, false,
                                                        listing("/contact-requests/sent")};
  r["PUT /api/v1/agents/{id}/contact-requests/{request_id}"] = {policy::agent_or_owner, 200, false,
                                                                [=](F& f, caller, agent& self) {
    self = f.alices_agent();
    auto sent = signed_by(f, f.bobs_agent, "POST", path_of(f.bobs_agent, "/contact-requests"),
                          {{"to_id", self.id}});
    return request{path_of(self, "/contact-requests/" + sent["id"].get<std::string>()),
                   json{{"action", "accept"}}.dump(), {}};
  }};
}

// The signaling relay's HTTP side: the WebSocket URL for clients, and the
// relay's state for admins.
void signaling_recipes(recipe_book& r) {
  using F = matrix_fixture;
  auto plain = [](std::string target) {
    return [target](F&, caller, agent&) { return request{target, "", {}}; };
  };
  r["GET /api/v1/signaling"] = {policy::open, 426, false, plain("/api/v1/signaling")};
  r["GET /api/v1/signaling/info"] = {policy::open, 200, false, plain("/api/v1/signaling/info")};
  r["GET /api/v1/admin/signaling"] = {policy::admin, 200, false, plain("/api/v1/admin/signaling")};
}

// The protocol bridge: with bridge.policy open (the default, as here) every
// caller reaches the handler, which then wants an MCP session: 400. The call
// itself is exercised by tests/e2e/mcp_gateway.test.mjs; the stricter
// policies by integration.bridge_policy.
void bridge_recipes(recipe_book& r) {
  using F = matrix_fixture;
  auto mcp_agent = [](F& f, caller, agent& self) {
    auto reg = self.register_at(*f.server, self.sign(self.card("MCP agent", {"mcp"})));
    BOOST_REQUIRE_MESSAGE(reg.status == 201, reg.body);
    return request{"/mcp/" + self.id, R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})",
                   {{"Content-Type", "application/json"}}};
  };
  for (std::string method : {"POST", "GET", "DELETE"})
    r[method + " /mcp/{agent_id}"] = {policy::caller, 400, false, mcp_agent};
  r["GET /.well-known/tessera-node.json"] = {policy::open, 200, false, [](F&, caller, agent&) {
                                               return request{"/.well-known/tessera-node.json", "", {}};
                                             }};
}

/// Request recipes, keyed by "METHOD path" as in the route table.
std::map<std::string, recipe> recipes() {
  using F = matrix_fixture;
  std::map<std::string, recipe> r;
  auto plain = [](std::string target) {
    return [target](F&, caller, agent&) { return request{target, "", {}}; };
  };
  auto with_agent = [](std::string suffix, std::string body = "") {
    return [suffix, body](F& f, caller, agent& self) {
      self = f.alices_agent();
      return request{"/api/v1/agents/" + self.id + suffix, body, {}};
    };
  };
  r["GET /api/v1/health"] = {policy::open, 200, false, plain("/api/v1/health")};
  r["GET /api/v1/reputation/model"] = {policy::open, 200, false, plain("/api/v1/reputation/model")};
  r["GET /api/v1/directory/{id}/reputation"] = {policy::open, 200, false,
                                                [](F& f, caller, agent& self) {
    self = f.alices_agent();
    return request{"/api/v1/directory/" + self.id + "/reputation", "", {}};
  }};
  r["POST /api/v1/agents"] = {policy::agent, 201, false, [](F&, caller, agent& self) {
                                return request{"/api/v1/agents",
                                               signed_card_body(self, "Fresh"), {}};
                              }};
  r["GET /api/v1/agents"] = {policy::read, 200, false, plain("/api/v1/agents")};
  r["GET /api/v1/agents/{id}"] = {policy::read, 200, false, with_agent("")};
  r["GET /api/v1/agents/watch"] = {policy::read, 200, false, plain("/api/v1/agents/watch"), true};
  r["PUT /api/v1/agents/{id}"] = {policy::agent, 200, false, [](F& f, caller, agent& self) {
                                    self = f.alices_agent();
                                    return request{"/api/v1/agents/" + self.id,
                                                   signed_card_body(self, "Renamed"), {}};
                                  }};
  r["DELETE /api/v1/agents/{id}"] = {policy::agent, 204, false, with_agent("")};
  r["POST /api/v1/agents/{id}/heartbeat"] = {policy::agent, 200, false, with_agent("/heartbeat")};
  r["POST /api/v1/agents/{id}/claim"] = {policy::agent_signed, 200, false, [](F& f, caller, agent& self) {
                                           BOOST_REQUIRE_EQUAL(
                                               self.register_at(*f.server,
                                                                self.sign(self.card("Claimed")))
                                                   .status,
                                               201);
                                           auto t = f.post("/api/v1/claim-tokens", json::object(),
                                                           f.alice.access_token);
                                           return request{"/api/v1/agents/" + self.id + "/claim",
                                                          json{{"token", t.json()["token"]}}.dump(),
                                                          {}};
                                         }};
  r["POST /api/v1/claim-tokens"] = {policy::user, 201, false, [](F&, caller, agent&) {
                                      return request{"/api/v1/claim-tokens", "{}", {}};
                                    }};
  r["POST /api/v1/auth/register"] = {policy::open, 201, false, [](F& f, caller, agent&) {
                                       auto email = "new" + std::to_string(++f.users) +
                                                    "@example.com";
                                       return request{"/api/v1/auth/register",
                                                      json{{"email", email},
                                                           {"password", password},
                                                           {"display_name", "New"}}
                                                          .dump(),
                                                      {}};
                                     }};
  r["POST /api/v1/auth/login"] = {policy::open, 200, false, [](F& f, caller, agent&) {
                                    return request{"/api/v1/auth/login",
                                                   json{{"email", f.alice.email},
                                                        {"password", f.alice.password}}
                                                       .dump(),
                                                   {}};
                                  }};
  r["POST /api/v1/auth/refresh"] = {policy::open, 200, false, [](F& f, caller, agent&) {
                                      return request{"/api/v1/auth/refresh",
                                                     json{{"refresh_token",
                                                           f.refresh_token(f.alice)}}
                                                         .dump(),
                                                     {}};
                                    }};
  r["POST /api/v1/auth/logout"] = {policy::user, 204, false, [](F& f, caller c, agent&) {
                                     // Ends a sign-in of the caller's own, made for it, so
                                     // the matrix's tokens live on.
                                     const auto& who = c == caller::other_user ? f.bob
                                                       : c == caller::admin    ? f.admin
                                                                               : f.alice;
                                     return request{"/api/v1/auth/logout",
                                                    json{{"refresh_token", f.refresh_token(who)}}
                                                        .dump(),
                                                    {}};
                                   }};
  r["GET /api/v1/auth/me"] = {policy::user, 200, false, plain("/api/v1/auth/me")};
  r["PUT /api/v1/auth/me"] = {policy::user, 200, false, [](F&, caller, agent&) {
                                return request{"/api/v1/auth/me",
                                               json{{"display_name", "Renamed"}}.dump(), {}};
                              }};
  r["POST /api/v1/auth/api-keys"] = {policy::user, 201, false, [](F&, caller, agent&) {
                                       return request{"/api/v1/auth/api-keys",
                                                      json{{"name", "k"}}.dump(), {}};
                                     }};
  r["GET /api/v1/auth/api-keys"] = {policy::user, 200, false, plain("/api/v1/auth/api-keys")};
  r["DELETE /api/v1/auth/api-keys/{key_id}"] = {policy::user, 204, true, [](F& f, caller, agent&) {
                                                  return request{"/api/v1/auth/api-keys/" +
                                                                     f.alices_key(),
                                                                 "", {}};
                                                }};
  r["POST /api/v1/provider/agents"] = {policy::user, 201, false, [](F& f, caller c, agent& self) {
                                         // The agent signs for the user that sends it.
                                         const auto& owner = c == caller::other_user ? f.bob
                                                             : c == caller::admin    ? f.admin
                                                                                     : f.alice;
                                         return request{"/api/v1/provider/agents?owner=" + owner.id,
                                                        signed_card_body(self, "Provided"), {}};
                                       }};
  r["GET /api/v1/provider/agents"] = {policy::user, 200, false, plain("/api/v1/provider/agents")};
  auto provider_agent = [](std::string method, bool with_card) {
    return [method, with_card](F& f, caller, agent& self) {
      self = f.alices_agent();
      return request{"/api/v1/provider/agents/" + self.id,
                     with_card ? signed_card_body(self, "Provider update") : "", {}};
    };
  };
  r["GET /api/v1/provider/agents/{id}"] = {policy::owner, 200, false, provider_agent("GET", false)};
  r["PUT /api/v1/provider/agents/{id}"] = {policy::owner, 200, false, provider_agent("PUT", true)};
  r["DELETE /api/v1/provider/agents/{id}"] = {policy::owner, 204, false, provider_agent("DELETE", false)};
  r["GET /api/v1/provider/dashboard"] = {policy::user, 200, false, plain("/api/v1/provider/dashboard")};
  r["GET /api/v1/admin/dashboard"] = {policy::admin, 200, false, plain("/api/v1/admin/dashboard")};
  r["GET /api/v1/admin/users"] = {policy::admin, 200, false, plain("/api/v1/admin/users")};
  r["GET /api/v1/admin/users/{id}"] = {policy::admin, 200, false, [](F& f, caller, agent&) {
                                         return request{"/api/v1/admin/users/" + f.alice.id, "",
                                                        {}};
                                       }};
  r["PUT /api/v1/admin/users/{id}/role"] = {policy::admin, 200, false, [](F& f, caller, agent&) {
                                              auto victim = f.make_user("victim");
                                              return request{"/api/v1/admin/users/" + victim.id +
                                                                 "/role",
                                                             json{{"role", "admin"}}.dump(), {}};
                                            }};
  r["DELETE /api/v1/admin/users/{id}"] = {policy::admin, 204, false, [](F& f, caller, agent&) {
                                            auto victim = f.make_user("victim");
                                            return request{"/api/v1/admin/users/" + victim.id,
                                                           "", {}};
                                          }};
  r["GET /api/v1/admin/agents"] = {policy::admin, 200, false, plain("/api/v1/admin/agents")};
  r["GET /api/v1/admin/agents/{id}"] = {policy::admin, 200, false, [](F& f, caller, agent& self) {
                                          self = f.alices_agent();
                                          return request{"/api/v1/admin/agents/" + self.id, "",
                                                         {}};
                                        }};
  r["DELETE /api/v1/admin/agents/{id}"] = {policy::admin, 204, false, [](F& f, caller, agent& self) {
                                             self = f.alices_agent();
                                             return request{"/api/v1/admin/agents/" + self.id,
                                                            "", {}};
                                           }};
  r["GET /api/v1/admin/audit"] = {policy::admin, 200, false, plain("/api/v1/admin/audit")};
  verify_recipes(r);
  directory_recipes(r);
  community_recipes(r);
  contact_recipes(r);
  signaling_recipes(r);
  bridge_recipes(r);
  return r;
}

/// Adds the caller's credentials. Agent routes take signatures (the route's
/// own agent is "self"); everything else takes user tokens, and the provider's
/// POST also carries the new agent's signature (each user registers their own).
void authenticate(matrix_fixture& f, const tessera::http::route& route, caller c,
                  const agent& self, request& r) {
  // agent_or_owner routes are called by the agent itself as "self" (the
  // owner's path is the owner policy's, tested by its own routes).
  bool agent_route = route.policy == policy::agent || route.policy == policy::agent_signed ||
                     route.policy == policy::agent_or_owner;
  auto add_bearer = [&](const std::string& token) {
    r.headers.emplace("Authorization", "Bearer " + token);
  };
  auto sign_as = [&](const agent& a) {
    for (auto& h : a.sign_request(route.method, r.target, r.body))
      r.headers.insert(h);
  };
  switch (c) {
    case caller::anonymous:
      return;
    case caller::other_agent:
      return sign_as(f.bobs_agent);
    case caller::other_user:
      add_bearer(f.bob.access_token);
      break;
    case caller::admin:
      add_bearer(f.admin.access_token);
      break;
    case caller::self:
      if (agent_route)
        return sign_as(self);
      add_bearer(f.alice.access_token);
      break;
  }
  if (route.method == "POST" && route.path == "/api/v1/provider/agents")
    sign_as(self);
}

/// Runs the whole matrix against `f`; returns the number of cases.
size_t run_matrix(matrix_fixture& f, bool auth_required, std::vector<caller> callers) {
  auto book = recipes();
  size_t cases = 0;
  for (const auto& route : tessera::http::route_table()) {
    auto key = route.method + " " + route.path;
    auto it = book.find(key);
    BOOST_REQUIRE_MESSAGE(it != book.end(),
                          key << " has no recipe in the authorization matrix: add one");
    const auto& rec = it->second;
    BOOST_TEST(std::string(tessera::http::to_string(route.policy)) ==
                   tessera::http::to_string(rec.pinned),
               key << ": its declared policy changed; update the pinned one here if that was "
                      "deliberate");
    for (auto c : callers) {
      agent self;
      auto req = rec.make(f, c, self);
      authenticate(f, route, c, self, req);
      int want = expected(route.policy, c, rec.names_own_thing, auth_required);
      if (want == 0)
        want = rec.success;
      bool refusal = want >= 400;
      auto before = refusal ? f.state() : "";
      auto res = rec.streams ? f.server->open_stream(req.target, req.headers)
                             : f.server->send(route.method, req.target, req.body, req.headers);
      BOOST_TEST(res.status == want, key << " [" << tessera::http::to_string(route.policy)
                                         << "] as " << name(c) << ": got " << res.status
                                         << " " << res.body);
      if (refusal)
        BOOST_TEST(f.state() == before, key << " as " << name(c) << " changed something");
      ++cases;
    }
  }
  return cases;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(authz_matrix)

BOOST_AUTO_TEST_CASE(every_route_answers_every_caller_as_its_policy_says) {
  matrix_fixture f{true};
  std::vector<caller> callers(std::begin(all_callers), std::end(all_callers));
  auto cases = run_matrix(f, true, callers);
  BOOST_TEST(cases == tessera::http::route_table().size() * callers.size());
  BOOST_TEST_MESSAGE("authorization matrix: " << tessera::http::route_table().size()
                                              << " routes x " << callers.size()
                                              << " callers = " << cases << " cases");
}

BOOST_AUTO_TEST_CASE(without_auth_required_reads_open_but_writes_stay_closed) {
  matrix_fixture f{false};
  run_matrix(f, false, {caller::anonymous});
}

BOOST_AUTO_TEST_CASE(every_route_has_a_policy_and_a_unique_method_and_path) {
  std::set<std::string> seen;
  for (const auto& route : tessera::http::route_table()) {
    auto key = route.method + " " + route.path;
    BOOST_TEST(seen.insert(key).second, key << " is declared twice");
    BOOST_TEST(std::string(tessera::http::to_string(route.policy)) != "?");
    BOOST_TEST(route.fn != nullptr, key << " has no handler");
    // Only login-style routes may be open; every other write needs credentials.
    if (route.policy == policy::open && route.method != "GET")
      BOOST_TEST(route.path.rfind("/api/v1/auth/", 0) == 0, key << " is an open write");
  }
}

BOOST_AUTO_TEST_SUITE_END()
