// The registry watch's logic: numbering, the wire form, filters and the
// bounded history that Last-Event-ID resumes from.
#include "protocol/agent_watch.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <string>

namespace {

using namespace tessera;

agent_event lifecycle(const std::string& kind, const std::string& id, int64_t at,
                      std::vector<std::string> protocols = {"a2a"},
                      std::vector<std::string> tags = {}) {
  agent_event ev;
  ev.kind = kind;
  ev.agent_id = id;
  ev.at = at;
  ev.agent.id = id;
  ev.agent.card = R"({"id":")" + id + R"("})";
  ev.agent.name = "n";
  ev.agent.protocols = std::move(protocols);
  ev.agent.tags = std::move(tags);
  ev.agent.status = "online";
  return ev;
}

// The JSON of an event's data line.
nlohmann::json data_of(const std::string& text) {
  auto at = text.find("\ndata: ");
  BOOST_REQUIRE(at != std::string::npos);
  auto end = text.find('\n', at + 7);
  return nlohmann::json::parse(text.substr(at + 7, end - at - 7));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(agent_watch)

BOOST_AUTO_TEST_CASE(an_event_is_sse_with_its_id_kind_and_agent) {
  auto e = watch::make_event(42, lifecycle("agent_online", "ag1", 1000));
  BOOST_TEST(e.text.rfind("id: 42\nevent: agent_online\ndata: ", 0) == 0);
  BOOST_TEST(e.text.substr(e.text.size() - 2) == "\n\n");
  auto data = data_of(e.text);
  BOOST_TEST(data["type"] == "agent_online");
  BOOST_TEST(data["id"] == "ag1");
  BOOST_TEST(data["agent"]["card"]["id"] == "ag1");  // the stored card, spliced in
  // A deregistered agent is gone: no body.
  auto gone = watch::make_event(43, lifecycle("agent_deregistered", "ag1", 1000));
  BOOST_TEST(data_of(gone.text)["agent"].is_null());
}

BOOST_AUTO_TEST_CASE(only_lifecycle_events_are_watched) {
  for (auto k : {"agent_registered", "agent_updated", "agent_deregistered", "agent_online",
                 "agent_offline"})
    BOOST_TEST(watch::is_watched(k));
  BOOST_TEST(!watch::is_watched("agent_heartbeat"));
  BOOST_TEST(!watch::is_watched(""));
}

BOOST_AUTO_TEST_CASE(filters_match_fields_and_empty_matches_all) {
  auto e = watch::make_event(1, lifecycle("agent_updated", "ag1", 0, {"a2a", "mcp"}, {"eu"}));
  BOOST_TEST(watch::matches({}, e));
  BOOST_TEST(watch::matches({"mcp", "", "", ""}, e));
  BOOST_TEST(!watch::matches({"acp", "", "", ""}, e));
  BOOST_TEST(watch::matches({"", "", "eu", "ag1"}, e));
  BOOST_TEST(!watch::matches({"", "", "eu", "ag2"}, e));
  BOOST_TEST(!watch::matches({"", "search", "", ""}, e));
}

BOOST_AUTO_TEST_CASE(last_event_id_is_a_plain_number) {
  BOOST_TEST(watch::parse_event_id("17").value() == 17);
  BOOST_TEST(!watch::parse_event_id(""));
  BOOST_TEST(!watch::parse_event_id("-1"));
  BOOST_TEST(!watch::parse_event_id("12a"));
  BOOST_TEST(!watch::parse_event_id(" 12"));
  BOOST_TEST(!watch::parse_event_id("99999999999999999999999"));
}

BOOST_AUTO_TEST_CASE(ids_increase_and_resume_gives_what_was_missed) {
  watch::history h(100, 60'000, 5000);
  BOOST_TEST(h.newest_id() == 4999);
  BOOST_TEST(h.since(4999).value().empty());  // a watcher from before any event: nothing missed
  for (int i = 0; i < 5; ++i)
    BOOST_TEST(h.add(lifecycle("agent_online", "ag" + std::to_string(i), 1000 + i), 1000 + i).id
               == 5000 + i);
  auto missed = h.since(5001).value();
  BOOST_REQUIRE(missed.size() == 3);
  BOOST_TEST(missed[0]->id == 5002);
  BOOST_TEST(missed[2]->id == 5004);
  BOOST_TEST(h.since(5004).value().empty());
  BOOST_TEST(!h.since(5005));  // from the future (another process): a gap
  BOOST_TEST(!h.since(12));    // from before a restart: a gap
}

BOOST_AUTO_TEST_CASE(the_history_is_bounded_by_count_and_age) {
  watch::history h(3, 10'000, 1);
  for (int i = 0; i < 5; ++i)
    h.add(lifecycle("agent_online", "a", 0), 0);
  BOOST_TEST(h.size() == 3);          // ids 3, 4, 5 held
  BOOST_TEST(!h.since(1));            // 2 is gone: reset
  BOOST_TEST(h.since(2).value().size() == 3);  // resuming right after the dropped one is fine
  h.expire(10'001);                    // all older than the age bound but the newest
  BOOST_TEST(h.size() == 1);
  BOOST_TEST(!h.since(3));
  BOOST_TEST(h.since(4).value().size() == 1);
}

BOOST_AUTO_TEST_CASE(reset_carries_the_newest_id) {
  auto text = watch::reset_text(77);
  BOOST_TEST(text.rfind("id: 77\nevent: reset\n", 0) == 0);
  BOOST_TEST(data_of(text)["type"] == "reset");
}

BOOST_AUTO_TEST_SUITE_END()
