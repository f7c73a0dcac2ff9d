// tessera agents watch [--protocol P] [--skill S] [--tag T] [--id ID]
//                      [--last-event-id N] [--count N]
// Streams the registry's lifecycle events (GET /api/v1/agents/watch) and
// prints one line each. When the stream ends (the server restarted, a proxy
// cut it) it reconnects with Last-Event-ID, as a browser's EventSource does,
// so nothing is missed -- or the server says `reset` and the user re-lists.
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>

#include "commands.hpp"
#include "output.hpp"
#include "protocol/sse.hpp"
#include "user_client.hpp"

namespace tessera::cli {

namespace {

struct watch_options {
  std::string protocol, skill, tag, id, last_event_id;
  int count = 0;  // 0: until interrupted
};

// Silence longer than this means the connection is gone (the server pings
// every server.stream_ping_interval, 15 s by default).
constexpr time_t stall_seconds = 60;
// Connections in a row that may fail before the watch gives up.
constexpr int max_failures = 5;

void print_event(const sse::event& e, bool json) {
  auto data = nlohmann::json::parse(e.data, nullptr, false);
  if (json) {
    print_json_line({{"id", e.id}, {"event", e.type}, {"data", data}});
    return;
  }
  if (e.type == "reset") {
    print_line({"reset", "events were missed; list the agents again (tessera agents list)"});
    return;
  }
  if (e.type == "shutdown") {
    print_line({"shutdown", "the server is going away; reconnecting"});
    return;
  }
  auto name = json_at(data, {"agent", "name"});
  print_line({text_of(json_at(data, {"at"})), sanitize(e.type), text_of(json_at(data, {"id"})),
              text_of(name)});
}

int run_watch(const watch_options& opts, const global_options& global) {
  std::optional<user_client> as_user;
  try {
    as_user.emplace(global);
  } catch (const cli_error& e) {
    if (e.code != "not_logged_in")
      throw;
  }
  auto http = client_for(global);
  auto query = build_query({{"protocol", opts.protocol},
                            {"skill", opts.skill},
                            {"tag", opts.tag},
                            {"id", opts.id}});
  auto target = "/api/v1/agents/watch" + (query.empty() ? "" : "?" + query);
  std::string last_id = opts.last_event_id;
  long retry_ms = 3000;
  int printed = 0, failures = 0;
  for (;;) {
    httplib::Headers headers;
    if (as_user)
      headers.emplace("Authorization", as_user->authorization());
    if (!last_id.empty())
      headers.emplace("Last-Event-ID", last_id);
    sse::parser parser;
    bool done = false;
    try {
      auto answer = http.stream(target, headers, [&](std::string_view bytes) {
        for (auto& e : parser.feed(bytes)) {
          if (!e.id.empty())
            last_id = e.id;
          print_event(e, global.json);
          if (e.type != "shutdown" && e.type != "reset" && opts.count > 0 &&
              ++printed >= opts.count) {
            done = true;
            return false;
          }
        }
        return true;
      }, stall_seconds);
      if (answer.status < 200 || answer.status >= 300)
        expect_success(answer);  // throws the server's error
      failures = 0;
    } catch (const cli_error& e) {
      if (e.code != "unreachable" || ++failures >= max_failures)
        throw;
    } catch (const std::length_error& e) {
      throw local_error("invalid_response", e.what());
    }
    if (done)
      return exit_ok;
    if (parser.retry_ms())
      retry_ms = *parser.retry_ms();
    std::this_thread::sleep_for(std::chrono::milliseconds(retry_ms));
  }
}

}  // namespace

void add_watch_command(CLI::App& agents, const global_options& global, action& run) {
  auto opts = std::make_shared<watch_options>();
  auto* watch = agents.add_subcommand(
      "watch", "Print agents' lifecycle events as they happen (registered, updated, "
               "deregistered, online, offline)");
  watch->add_option("--protocol", opts->protocol, "Only agents speaking this protocol");
  watch->add_option("--skill", opts->skill, "Only agents with this skill id");
  watch->add_option("--tag", opts->tag, "Only agents with this tag");
  watch->add_option("--id", opts->id, "Only this agent");
  watch->add_option("--last-event-id", opts->last_event_id,
                    "Resume after this event id (what a previous watch printed)");
  watch->add_option("--count", opts->count, "Stop after this many events")
      ->check(CLI::PositiveNumber);
  watch->callback(
      [opts, &global, &run] { run = [opts, &global] { return run_watch(*opts, global); }; });
}

}  // namespace tessera::cli
