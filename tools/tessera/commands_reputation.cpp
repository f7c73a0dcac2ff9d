// tessera reputation show ID; tessera reputation replay ID: recomputes the
// agent's score from its whole event log with the server's published model
// (GET /api/v1/reputation/model) and checks every step against the log, bit
// for bit. Both routes are public, so no credentials are needed.
#include <algorithm>
#include <memory>
#include <set>

#include "commands.hpp"
#include "http/respond.hpp"
#include "output.hpp"
#include "protocol/reputation_model.hpp"

namespace tessera::cli {

namespace {

constexpr int history_page = 200;

std::string reputation_path(const std::string& id) {
  return "/api/v1/directory/" + percent_encode(id) + "/reputation";
}

int run_show(const std::string& id, const global_options& global) {
  auto client = client_for(global);
  auto doc = expect_success(client.get(reputation_path(id), build_query({{"limit", "20"}})));
  if (global.json) {
    print_json(doc);
    return exit_ok;
  }
  print_fields({{"id", text_of(doc["id"])},
                {"score", text_of(doc["score"])},
                {"tier", text_of(doc["tier"])},
                {"events", text_of(doc["events"])},
                {"updated_at", text_of(doc["updated_at"])}});
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : doc["history"])
    rows.push_back({text_of(e["seq"]), text_of(e["at"]), text_of(e["kind"]),
                    text_of(e["score_before"]), text_of(e["score_after"])});
  print_table({"SEQ", "AT", "KIND", "BEFORE", "AFTER"}, rows);
  return exit_ok;
}

/// One logged event as the server sent it.
struct logged {
  int64_t seq;
  reputation::event_kind kind;
  int64_t at;
  double before, after;
};

logged parse_entry(const nlohmann::json& e) {
  auto bad = [&](const std::string& what) {
    return local_error("invalid_response", "reputation history entry " + e.dump() + ": " + what);
  };
  if (!e.is_object() || !e.contains("seq") || !e["seq"].is_number_integer() ||
      !e.contains("kind") || !e["kind"].is_string() || !e.contains("at") || !e["at"].is_string() ||
      !e.contains("score_before") || !e["score_before"].is_number() ||
      !e.contains("score_after") || !e["score_after"].is_number())
    throw bad("missing or mistyped fields");
  auto kind = reputation::parse_event_kind(e["kind"].get<std::string>());
  if (!kind)
    throw bad("unknown kind");
  auto at = http::parse_rfc3339(e["at"].get<std::string>());
  if (!at)
    throw bad("at is not an RFC 3339 time");
  return {e["seq"].get<int64_t>(), *kind, *at, e["score_before"].get<double>(),
          e["score_after"].get<double>()};
}

/// The whole log, oldest first, and the state stored with its newest event.
struct fetched {
  std::vector<logged> log;
  double stored_score = 0;
  int64_t events = 0;
};

fetched fetch_log(signed_client& client, const std::string& id) {
  fetched out;
  auto& log = out.log;
  std::set<int64_t> seen;
  std::string before;
  for (;;) {
    auto page = expect_success(client.get(
        reputation_path(id),
        build_query({{"limit", std::to_string(history_page)}, {"before", before}})));
    if (!page.contains("history") || !page["history"].is_array())
      throw local_error("invalid_response", "the reputation has no \"history\" array");
    if (before.empty()) {
      if (!page.contains("stored_score") || !page["stored_score"].is_number() ||
          !page.contains("events") || !page["events"].is_number_integer())
        throw local_error("invalid_response", "the reputation has no stored_score or events");
      out.stored_score = page["stored_score"].get<double>();
      out.events = page["events"].get<int64_t>();
    }
    for (const auto& e : page["history"]) {
      auto entry = parse_entry(e);
      if (!seen.insert(entry.seq).second)
        throw local_error("invalid_response",
                          "the server repeated event " + std::to_string(entry.seq));
      log.push_back(entry);
    }
    auto next = page.value("next_before", nlohmann::json());
    if (!next.is_number_integer())
      break;
    before = std::to_string(next.get<int64_t>());
  }
  std::reverse(log.begin(), log.end());
  return out;
}

int run_replay(const std::string& id, const global_options& global) {
  auto client = client_for(global);
  std::string err;
  auto params = reputation::params_from_model(
      expect_success(client.get("/api/v1/reputation/model")), err);
  if (!params)
    throw local_error("invalid_response", "the reputation model: " + err);
  auto [log, stored_score, stored_events] = fetch_log(client, id);
  auto state = reputation::initial_state(*params);
  for (const auto& e : log) {
    auto step = reputation::apply(state, e.kind, e.at, *params);
    // Exact comparison on purpose: the server folds the same function over
    // the same events, so any difference is a real disagreement.
    if (!step.credited || step.score_before != e.before || step.score_after != e.after) {
      auto doc = nlohmann::json{{"id", id},
                                {"events", log.size()},
                                {"matches", false},
                                {"first_mismatch",
                                 {{"seq", e.seq},
                                  {"logged_before", e.before},
                                  {"logged_after", e.after},
                                  {"replayed_before", step.score_before},
                                  {"replayed_after", step.score_after}}}};
      if (global.json)
        print_json(doc);
      throw local_error("replay_mismatch",
                        "event " + std::to_string(e.seq) + " (" +
                            std::string{reputation::to_string(e.kind)} +
                            ") does not replay to its logged score; was the model changed "
                            "since it was logged?");
    }
    state = step.state;
  }
  // The log folds to the stored state: nothing was lost between them.
  if (state.score != stored_score || state.events != stored_events)
    throw local_error("replay_mismatch",
                      "the log replays to " + std::to_string(state.events) + " events and score " +
                          nlohmann::json(state.score).dump() + ", the server stores " +
                          std::to_string(stored_events) + " and " +
                          nlohmann::json(stored_score).dump() +
                          " (if an event arrived while reading, run it again)");
  nlohmann::json doc{{"id", id},
                     {"events", log.size()},
                     {"matches", true},
                     {"score", state.score},
                     {"updated_at", log.empty() ? nlohmann::json()
                                                : nlohmann::json(http::rfc3339(state.updated_at))}};
  if (global.json) {
    print_json(doc);
    return exit_ok;
  }
  print_fields({{"id", sanitize(id)},
                {"events", std::to_string(log.size())},
                {"score", text_of(doc["score"])},
                {"matches", "yes: every event replays to its logged score"}});
  return exit_ok;
}

}  // namespace

void add_reputation_commands(CLI::App& app, const global_options& global, action& run) {
  auto* rep = app.add_subcommand("reputation", "Inspect an agent's reputation and its log");
  rep->require_subcommand(1);
  auto id = std::make_shared<std::string>();
  auto* show = rep->add_subcommand("show", "Show the score, tier and the newest events");
  show->add_option("id", *id, "Agent id (z6Mk...)")->required();
  show->callback([id, &global, &run] { run = [id, &global] { return run_show(*id, global); }; });
  auto* replay = rep->add_subcommand(
      "replay", "Recompute the score from the whole event log and check it against the log");
  replay->add_option("id", *id, "Agent id (z6Mk...)")->required();
  replay->callback(
      [id, &global, &run] { run = [id, &global] { return run_replay(*id, global); }; });
}

}  // namespace tessera::cli
