// tessera agents get ID; tessera agents list [filters] [--limit N] [--page-token T] [--all];
// tessera agents watch (commands_watch.cpp)
#include <memory>
#include <optional>
#include <set>

#include "commands.hpp"
#include "output.hpp"
#include "user_client.hpp"

namespace tessera::cli {

namespace {

struct list_options {
  std::string protocol, skill, tag, status, page_token;
  int limit = 0;  // 0: the server's default
  bool all = false;
};

/// Reads as the signed-in user ($TESSERA_API_KEY or the saved session) when
/// there is one, since a server with auth.required answers no anonymous
/// read; else anonymously.
class reader {
 public:
  explicit reader(const global_options& global) {
    try {
      as_user_.emplace(global);
    } catch (const cli_error& e) {
      if (e.code != "not_logged_in")
        throw;
      anonymous_.emplace(client_for(global));
    }
  }
  nlohmann::json get(const std::string& path, const std::string& query = "") {
    auto target = query.empty() ? path : path + "?" + query;
    return expect_success(as_user_ ? as_user_->send("GET", target) : anonymous_->get(target));
  }

 private:
  std::optional<user_client> as_user_;
  std::optional<signed_client> anonymous_;
};

int run_get(const std::string& id, const global_options& global) {
  reader client(global);
  auto agent = client.get(agent_path(id));
  if (global.json)
    print_json(agent);
  else
    print_agent(agent);
  return exit_ok;
}

nlohmann::json fetch_page(reader& client, const list_options& opts,
                          const std::string& token) {
  auto query = build_query({{"protocol", opts.protocol},
                            {"skill", opts.skill},
                            {"tag", opts.tag},
                            {"status", opts.status},
                            {"limit", opts.limit > 0 ? std::to_string(opts.limit) : ""},
                            {"page_token", token}});
  auto page = client.get("/api/v1/agents", query);
  if (!page.is_object() || !page.contains("agents") || !page["agents"].is_array())
    throw local_error("invalid_response", "the agent list has no \"agents\" array");
  return page;
}

std::string next_token(const nlohmann::json& page) {
  auto it = page.find("next_page_token");
  return it != page.end() && it->is_string() ? it->get<std::string>() : "";
}

int run_list(const list_options& opts, const global_options& global) {
  reader client(global);
  auto page = fetch_page(client, opts, opts.page_token);
  if (opts.all) {
    // Gather every page into one document shaped like a single last page.
    nlohmann::json agents = page["agents"];
    std::set<std::string> seen_tokens;
    for (auto token = next_token(page); !token.empty(); token = next_token(page)) {
      if (!seen_tokens.insert(token).second)
        throw local_error("invalid_response", "the server repeated page token " + token);
      page = fetch_page(client, opts, token);
      for (auto& agent : page["agents"]) agents.push_back(std::move(agent));
    }
    page = {{"agents", std::move(agents)}, {"next_page_token", nullptr}};
  }
  if (global.json) {
    print_json(page);
    return exit_ok;
  }
  print_agent_table(page["agents"]);
  if (auto token = next_token(page); !token.empty())
    print_fields({{"next_page_token", sanitize(token)}});
  return exit_ok;
}

}  // namespace

void add_agents_commands(CLI::App& app, const global_options& global, action& run) {
  auto* agents = app.add_subcommand("agents", "Look agents up in the directory");
  agents->require_subcommand(1);

  auto id = std::make_shared<std::string>();
  auto* get = agents->add_subcommand("get", "Show one agent");
  get->add_option("id", *id, "Agent id (z6Mk...)")->required();
  get->callback([id, &global, &run] { run = [id, &global] { return run_get(*id, global); }; });

  auto opts = std::make_shared<list_options>();
  auto* list = agents->add_subcommand("list", "List agents, optionally filtered");
  list->add_option("--protocol", opts->protocol,
                   "Only agents speaking this protocol (a2a, mcp, ...)");
  list->add_option("--skill", opts->skill, "Only agents with this skill id");
  list->add_option("--tag", opts->tag, "Only agents with this tag");
  list->add_option("--status", opts->status, "Only online or offline agents")
      ->check(CLI::IsMember({"online", "offline"}));
  list->add_option("--limit", opts->limit, "Page size (1-200)")->check(CLI::Range(1, 200));
  list->add_option("--page-token", opts->page_token, "Continue from this next_page_token");
  list->add_flag("--all", opts->all, "Follow next_page_token until the last page");
  list->callback(
      [opts, &global, &run] { run = [opts, &global] { return run_list(*opts, global); }; });
  add_watch_command(*agents, global, run);
}

}  // namespace tessera::cli
