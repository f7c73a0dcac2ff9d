// tessera contacts list|add|remove|request|requests|accept|reject --agent KEYFILE ...:
// an agent's contacts (whom it accepts signaling from) and the contact
// requests that make two agents mutual contacts. Every call is signed by the
// agent's key.
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "output.hpp"

namespace tessera::cli {

namespace {

struct contact_options {
  std::string agent;    // key file
  std::string target;   // contact id, recipient id or request id
  std::string message;  // request
  bool sent = false;    // requests: the ones this agent sent, not received
  std::string status;   // requests: pending | accepted | rejected ("" all)
  int limit = 0;        // requests: page size (0: the server's default)
  bool all = false;     // requests: every page
};

std::string contacts_path(const agent_key& key) {
  return agent_path(key.id) + "/contacts";
}

std::string requests_path(const agent_key& key) {
  return agent_path(key.id) + "/contact-requests";
}

void print_request(const nlohmann::json& r) {
  print_fields({{"id", text_of(json_at(r, {"id"}))},
                {"from_id", text_of(json_at(r, {"from_id"}))},
                {"to_id", text_of(json_at(r, {"to_id"}))},
                {"status", text_of(json_at(r, {"status"}))},
                {"message", text_of(json_at(r, {"message"}))},
                {"created_at", text_of(json_at(r, {"created_at"}))},
                {"updated_at", text_of(json_at(r, {"updated_at"}))}});
}

int run_list(const contact_options& opts, const global_options& global) {
  auto key = load_key_file(opts.agent);
  auto client = client_for(global);
  auto doc = expect_success(client.send_signed("GET", contacts_path(key), "", key));
  if (global.json) {
    print_json(doc);
    return exit_ok;
  }
  const auto& contacts = doc["contacts"];
  if (contacts.empty()) {
    std::cout << "no contacts" << std::endl;
    return exit_ok;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : contacts)
    rows.push_back({text_of(json_at(c, {"contact_id"})),
                    json_at(c, {"mutual"}) == true ? "yes" : "no",
                    text_of(json_at(c, {"created_at"}))});
  print_table({"CONTACT", "MUTUAL", "SINCE"}, rows);
  return exit_ok;
}

int run_add(const contact_options& opts, const global_options& global) {
  auto key = load_key_file(opts.agent);
  auto client = client_for(global);
  auto res = client.send_signed("POST", contacts_path(key),
                                nlohmann::json{{"contact_id", opts.target}}.dump(), key);
  auto doc = expect_success(res);
  if (global.json) {
    print_json(doc);
    return exit_ok;
  }
  print_fields({{"contact_id", text_of(json_at(doc, {"contact_id"}))},
                {"added", res.status == 201 ? "yes" : "no (already a contact)"},
                {"mutual", json_at(doc, {"mutual"}) == true ? "yes" : "no"},
                {"created_at", text_of(json_at(doc, {"created_at"}))}});
  return exit_ok;
}

int run_remove(const contact_options& opts, const global_options& global) {
  auto key = load_key_file(opts.agent);
  auto client = client_for(global);
  expect_success(client.send_signed(
      "DELETE", contacts_path(key) + "/" + percent_encode(opts.target), "", key));
  if (global.json)
    print_json({{"contact_id", opts.target}, {"removed", true}});
  else
    print_fields({{"contact_id", opts.target}, {"removed", "yes"}});
  return exit_ok;
}

int run_request(const contact_options& opts, const global_options& global) {
  auto key = load_key_file(opts.agent);
  auto client = client_for(global);
  nlohmann::json body{{"to_id", opts.target}};
  if (!opts.message.empty())
    body["message"] = opts.message;
  auto doc = expect_success(client.send_signed("POST", requests_path(key), body.dump(), key));
  if (global.json)
    print_json(doc);
  else
    print_request(doc);
  return exit_ok;
}

/// Received (or sent) requests, newest first: one page, or with --all every
/// page (one JSON document with all of them).
int run_requests(const contact_options& opts, const global_options& global) {
  auto key = load_key_file(opts.agent);
  auto client = client_for(global);
  auto path = requests_path(key) + (opts.sent ? "/sent" : "/incoming");
  auto limit = opts.limit > 0 ? std::to_string(opts.limit) : std::string{};
  auto requests = nlohmann::json::array();
  nlohmann::json next;
  std::string token;
  do {
    auto query = build_query({{"status", opts.status}, {"limit", limit}, {"page_token", token}});
    auto doc = expect_success(client.send_signed("GET", path, "", key, query));
    for (auto& r : doc["requests"])
      requests.push_back(std::move(r));
    next = doc["next_page_token"];
    token = next.is_string() ? next.get<std::string>() : std::string{};
  } while (opts.all && !token.empty());
  if (global.json) {
    print_json({{"requests", requests}, {"next_page_token", next}});
    return exit_ok;
  }
  if (requests.empty()) {
    std::cout << "no requests" << std::endl;
    return exit_ok;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : requests)
    rows.push_back({text_of(json_at(r, {"id"})),
                    text_of(json_at(r, {opts.sent ? "to_id" : "from_id"})),
                    text_of(json_at(r, {"status"})), text_of(json_at(r, {"created_at"})),
                    text_of(json_at(r, {"message"}))});
  print_table({"ID", opts.sent ? "TO" : "FROM", "STATUS", "CREATED", "MESSAGE"}, rows);
  if (!token.empty())
    std::cout << "(more: --all lists every page)" << std::endl;
  return exit_ok;
}

int run_answer(const contact_options& opts, const std::string& action,
               const global_options& global) {
  auto key = load_key_file(opts.agent);
  auto client = client_for(global);
  auto doc = expect_success(client.send_signed(
      "PUT", requests_path(key) + "/" + percent_encode(opts.target),
      nlohmann::json{{"action", action}}.dump(), key));
  if (global.json)
    print_json(doc);
  else
    print_request(doc);
  return exit_ok;
}

}  // namespace

void add_contacts_commands(CLI::App& app, const global_options& global, action& run) {
  auto* contacts = app.add_subcommand(
      "contacts", "Manage an agent's contacts (whom it accepts signaling from) and requests");
  contacts->require_subcommand(1);
  auto opts = std::make_shared<contact_options>();
  // Each subcommand takes the agent's key file, and sets `run` when chosen.
  auto sub = [&](const char* name, const char* help, int (*fn)(const contact_options&,
                                                               const global_options&)) {
    auto* cmd = contacts->add_subcommand(name, help);
    cmd->add_option("--agent,-a", opts->agent, "Agent key file")->required();
    cmd->callback([opts, fn, &global, &run] {
      run = [opts, fn, &global] { return fn(*opts, global); };
    });
    return cmd;
  };
  sub("list", "List the agent's contacts and whether each lists it too", run_list);
  sub("add", "Add an agent to the contacts", run_add)
      ->add_option("contact_id", opts->target, "The contact's agent id (z6Mk...)")
      ->required();
  sub("remove", "Remove an agent from the contacts", run_remove)
      ->add_option("contact_id", opts->target, "The contact's agent id (z6Mk...)")
      ->required();
  auto* request = sub("request", "Ask another agent to become mutual contacts", run_request);
  request->add_option("to_id", opts->target, "The agent asked (z6Mk...)")->required();
  request->add_option("--message,-m", opts->message, "A note for the recipient");
  auto* requests = sub("requests", "List the requests the agent received (or sent)", run_requests);
  requests->add_flag("--sent", opts->sent, "The requests the agent sent");
  requests->add_option("--status", opts->status, "Only pending, accepted or rejected ones")
      ->check(CLI::IsMember({"pending", "accepted", "rejected"}));
  requests->add_option("--limit", opts->limit, "Requests per page (1..200)")
      ->check(CLI::Range(1, 200));
  requests->add_flag("--all", opts->all, "Every page, not just the newest");
  sub("accept", "Accept a request: the two become mutual contacts",
      [](const contact_options& o, const global_options& g) { return run_answer(o, "accept", g); })
      ->add_option("request_id", opts->target, "The request's id (creq_...)")
      ->required();
  sub("reject", "Reject a request",
      [](const contact_options& o, const global_options& g) { return run_answer(o, "reject", g); })
      ->add_option("request_id", opts->target, "The request's id (creq_...)")
      ->required();
}

}  // namespace tessera::cli
