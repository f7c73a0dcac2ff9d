// The registry with its real writer, readers and agent sessions.
#include <boost/test/unit_test.hpp>

#include <set>

#include <optional>

#include "support.hpp"

using namespace tessera;
using namespace tessera::test;

namespace {

using namespace std::chrono_literals;

/// An event listener that forwards every agent_event to `target`.
event_listener_actor::behavior_type forwarder(event_listener_actor::pointer self,
                                              caf::actor target) {
  return {[=](const agent_event& ev) { caf::anon_send(target, ev); }};
}

/// The next event in `events`' mailbox, waiting at most reply_timeout.
std::optional<agent_event> next_event(caf::scoped_actor& events,
                                      std::chrono::milliseconds limit = reply_timeout) {
  std::optional<agent_event> result;
  events->receive([&](agent_event& ev) { result = std::move(ev); },
                  caf::after(limit) >> [] {});
  return result;
}

registry_config quick_offline() {
  registry_config rc;
  rc.offline_after = 300ms;
  rc.flush_interval = 1h;  // only explicit flushes write last_seen
  rc.timeout = 5s;
  return rc;
}

registry_config slow_offline() {
  registry_config rc;
  rc.offline_after = 1h;
  rc.flush_interval = 1h;
  rc.timeout = 5s;
  return rc;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(registry, actor_fixture)

BOOST_AUTO_TEST_CASE(register_stores_the_agent_online) {
  auto reg = spawn_registry(slow_offline());
  auto rec = make_agent("r1");
  auto before = now_ms();
  auto out = ask<agent_record>(reg, atom::register_::value, rec);
  BOOST_TEST_REQUIRE(static_cast<bool>(out));
  BOOST_TEST(out->id == "r1");
  BOOST_TEST(out->card == rec.card);
  BOOST_TEST(out->name == rec.name);
  BOOST_TEST(out->status == "online");
  BOOST_TEST(out->registered_at >= before);
  BOOST_TEST(out->updated_at == out->registered_at);
  BOOST_TEST(out->last_seen == out->registered_at);
  // Stored and committed: the readers and an independent connection see it.
  auto read_back = read("r1");
  BOOST_TEST_REQUIRE(static_cast<bool>(read_back));
  BOOST_TEST(read_back->status == "online");
  BOOST_TEST(read_back->card == rec.card);
  BOOST_TEST(read_back->registered_at == out->registered_at);
  auto row = stored("r1");
  BOOST_TEST_REQUIRE(static_cast<bool>(row));
  BOOST_TEST(row->status == "online");
  // Indexed terms were written with it.
  agent_query q;
  q.protocol = "mcp";
  q.skill = "search";
  q.tag = "test";
  auto page = ask<agent_page>(readers, atom::list::value, q);
  BOOST_TEST_REQUIRE(static_cast<bool>(page));
  BOOST_TEST_REQUIRE(page->agents.size() == 1u);
  BOOST_TEST(page->agents[0].id == "r1");
  auto st = status_of(reg);
  BOOST_TEST(st["online"].get<int>() == 1);
  BOOST_TEST(st["starting"].get<int>() == 0);
}

BOOST_AUTO_TEST_CASE(a_second_registration_is_agent_exists) {
  auto reg = spawn_registry(slow_offline());
  BOOST_TEST_REQUIRE(static_cast<bool>(ask<agent_record>(reg, atom::register_::value,
                                                         make_agent("dup"))));
  auto again = make_agent("dup");
  again.name = "impostor";
  auto out = ask<agent_record>(reg, atom::register_::value, again);
  BOOST_TEST_REQUIRE(!out);
  auto p = to_problem(out.error());
  BOOST_TEST(p.code == ec::agent_exists);
  BOOST_TEST(p.message.find("dup") != std::string::npos);
  BOOST_TEST(stored("dup")->name == "agent dup");  // the first one stays
  BOOST_TEST(status_of(reg)["online"].get<int>() == 1);
}

BOOST_AUTO_TEST_CASE(replace_updates_a_known_agent_only) {
  auto reg = spawn_registry(slow_offline());
  auto unknown = ask<agent_record>(reg, atom::replace::value, make_agent("nobody"));
  BOOST_TEST_REQUIRE(!unknown);
  BOOST_TEST(code_of(unknown.error()) == ec::not_found);
  BOOST_TEST(!stored("nobody"));

  auto rec = make_agent("r2");
  auto first = ask<agent_record>(reg, atom::register_::value, rec);
  BOOST_TEST_REQUIRE(static_cast<bool>(first));
  wait_until_after(first->updated_at);
  rec.name = "renamed";
  rec.card = R"({"name":"renamed"})";
  rec.tags = {"fresh"};
  auto out = ask<agent_record>(reg, atom::replace::value, rec);
  BOOST_TEST_REQUIRE(static_cast<bool>(out));
  BOOST_TEST(out->name == "renamed");
  BOOST_TEST(out->card == rec.card);
  BOOST_TEST(out->status == "online");  // the stored status, not the input's
  BOOST_TEST(out->registered_at == first->registered_at);
  BOOST_TEST(out->updated_at > first->updated_at);
  agent_query q;
  q.tag = "fresh";
  auto page = ask<agent_page>(readers, atom::list::value, q);
  BOOST_TEST_REQUIRE(static_cast<bool>(page));
  BOOST_TEST(page->agents.size() == 1u);
  q.tag = "test";  // the old tag is gone
  page = ask<agent_page>(readers, atom::list::value, q);
  BOOST_TEST_REQUIRE(static_cast<bool>(page));
  BOOST_TEST(page->agents.empty());
}

BOOST_AUTO_TEST_CASE(remove_deletes_the_agent_and_stops_its_session) {
  auto reg = spawn_registry(slow_offline());
  BOOST_TEST_REQUIRE(static_cast<bool>(ask<agent_record>(reg, atom::register_::value,
                                                         make_agent("r3"))));
  BOOST_TEST(status_of(reg)["online"].get<int>() == 1);
  auto running = sys->registry().running();  // includes the session
  auto ok = ask<caf::ok_atom>(reg, atom::remove::value, std::string{"r3"});
  BOOST_TEST_REQUIRE(static_cast<bool>(ok));
  BOOST_TEST(!stored("r3"));
  auto gone = read("r3");
  BOOST_TEST_REQUIRE(!gone);
  BOOST_TEST(code_of(gone.error()) == ec::not_found);
  BOOST_TEST(status_of(reg)["online"].get<int>() == 0);
  // The session actor itself ends.
  BOOST_TEST(eventually([&] { return sys->registry().running() == running - 1; }));
  // Removing it again, or an unknown agent, is not_found.
  auto again = ask<caf::ok_atom>(reg, atom::remove::value, std::string{"r3"});
  BOOST_TEST_REQUIRE(!again);
  BOOST_TEST(code_of(again.error()) == ec::not_found);
  // A heartbeat for it no longer brings anything back.
  auto hb = ask<heartbeat_ack>(reg, atom::heartbeat::value, std::string{"r3"});
  BOOST_TEST_REQUIRE(!hb);
  BOOST_TEST(code_of(hb.error()) == ec::not_found);
  BOOST_TEST(status_of(reg)["starting"].get<int>() == 0);
}

BOOST_AUTO_TEST_CASE(a_heartbeat_of_an_unknown_agent_is_not_found) {
  auto reg = spawn_registry(slow_offline());
  auto hb = ask<heartbeat_ack>(reg, atom::heartbeat::value, std::string{"ghost"});
  BOOST_TEST_REQUIRE(!hb);
  BOOST_TEST(code_of(hb.error()) == ec::not_found);
  auto st = status_of(reg);
  BOOST_TEST(st["online"].get<int>() == 0);
  BOOST_TEST(st["starting"].get<int>() == 0);
  BOOST_TEST(!stored("ghost"));
}

BOOST_AUTO_TEST_CASE(a_heartbeat_answers_with_the_next_deadline) {
  auto reg = spawn_registry(slow_offline());
  BOOST_TEST_REQUIRE(static_cast<bool>(ask<agent_record>(reg, atom::register_::value,
                                                         make_agent("r4"))));
  auto before = now_ms();
  auto hb = ask<heartbeat_ack>(reg, atom::heartbeat::value, std::string{"r4"});
  BOOST_TEST_REQUIRE(static_cast<bool>(hb));
  BOOST_TEST(hb->status == "online");
  BOOST_TEST(hb->next_deadline >= before + std::chrono::milliseconds(1h).count());
  BOOST_TEST(status_of(reg)["heartbeats"].get<int>() == 1);
}

BOOST_AUTO_TEST_CASE(a_silent_agent_goes_offline_and_a_heartbeat_brings_it_back) {
  auto reg = spawn_registry(quick_offline());
  auto out = ask<agent_record>(reg, atom::register_::value, make_agent("r5"));
  BOOST_TEST_REQUIRE(static_cast<bool>(out));
  BOOST_TEST_REQUIRE(eventually([&] {
    auto r = read("r5");
    return r && r->status == "offline";
  }));
  auto st = status_of(reg);
  BOOST_TEST(st["online"].get<int>() == 0);
  BOOST_TEST(st["went_offline"].get<int>() == 1);
  BOOST_TEST(stored("r5")->last_seen >= out->last_seen);
  auto hb = ask<heartbeat_ack>(reg, atom::heartbeat::value, std::string{"r5"});
  BOOST_TEST_REQUIRE(static_cast<bool>(hb));
  BOOST_TEST(hb->status == "online");
  BOOST_TEST(hb->next_deadline > out->last_seen);
  auto row = stored("r5");
  BOOST_TEST(row->status == "online");  // written before the answer
  BOOST_TEST(row->last_seen > out->last_seen);
  BOOST_TEST(status_of(reg)["online"].get<int>() == 1);
}

BOOST_AUTO_TEST_CASE(listeners_receive_the_lifecycle_events) {
  auto reg = spawn_registry(quick_offline());
  caf::scoped_actor events{*sys};
  auto listener = own(sys->spawn(forwarder, caf::actor_cast<caf::actor>(events)));
  (*self)->send(reg, atom::subscribe::value, listener);
  BOOST_TEST(status_of(reg)["subscribers"].get<int>() == 1);

  auto expect = [&](const std::string& kind) {
    auto ev = next_event(events);
    BOOST_TEST_REQUIRE(static_cast<bool>(ev), "no " << kind << " event");
    BOOST_TEST(ev->kind == kind);
    BOOST_TEST(ev->agent_id == "r6");
    BOOST_TEST(ev->at > 0);
  };
  BOOST_TEST_REQUIRE(static_cast<bool>(ask<agent_record>(reg, atom::register_::value,
                                                         make_agent("r6"))));
  expect("agent_registered");
  auto changed = make_agent("r6");
  changed.name = "changed";
  BOOST_TEST_REQUIRE(static_cast<bool>(ask<agent_record>(reg, atom::replace::value, changed)));
  // The update, and the miss of a heartbeat within offline_after: under load
  // the deadline may pass before the update is handled, so in either order.
  std::set<std::string> kinds;
  for (int i = 0; i < 2; ++i) {
    auto ev = next_event(events);
    BOOST_TEST_REQUIRE(static_cast<bool>(ev), "no event " << i);
    BOOST_TEST(ev->agent_id == "r6");
    kinds.insert(ev->kind);
  }
  BOOST_TEST((kinds == std::set<std::string>{"agent_updated", "agent_offline"}));
  BOOST_TEST_REQUIRE(static_cast<bool>(
      ask<heartbeat_ack>(reg, atom::heartbeat::value, std::string{"r6"})));
  expect("agent_online");
  BOOST_TEST_REQUIRE(static_cast<bool>(ask<caf::ok_atom>(reg, atom::remove::value,
                                                         std::string{"r6"})));
  expect("agent_deregistered");
  // The removed session ended quietly: no offline event follows.
  BOOST_TEST(!next_event(events, 500ms));

  // A listener that ends is forgotten.
  (*self)->send_exit(listener, caf::exit_reason::user_shutdown);
  BOOST_TEST(eventually([&] { return status_of(reg)["subscribers"].get<int>() == 0; }));
}

BOOST_AUTO_TEST_CASE(heartbeats_are_written_coalesced) {
  auto reg = spawn_registry(slow_offline());
  auto out = ask<agent_record>(reg, atom::register_::value, make_agent("r7"));
  BOOST_TEST_REQUIRE(static_cast<bool>(out));
  auto writes_before = status_of(writer)["writes"].get<int>();
  int64_t last_beat = 0;
  for (int i = 0; i < 10; ++i) {
    wait_until_after(last_beat == 0 ? out->last_seen : last_beat);
    last_beat = now_ms();
    BOOST_TEST_REQUIRE(static_cast<bool>(
        ask<heartbeat_ack>(reg, atom::heartbeat::value, std::string{"r7"})));
  }
  // Nothing written per heartbeat.
  BOOST_TEST(stored("r7")->last_seen == out->last_seen);
  BOOST_TEST(status_of(writer)["writes"].get<int>() == writes_before);
  auto st = status_of(reg);
  BOOST_TEST(st["heartbeats"].get<int>() == 10);
  BOOST_TEST(st["unsaved_last_seen"].get<int>() == 1);
  // One flush writes the newest beat, in one write.
  BOOST_TEST_REQUIRE(static_cast<bool>(ask<caf::ok_atom>(reg, atom::flush::value)));
  auto row = stored("r7");
  BOOST_TEST(row->last_seen >= last_beat);
  BOOST_TEST(row->last_seen <= now_ms());
  BOOST_TEST(status_of(writer)["writes"].get<int>() == writes_before + 1);
  BOOST_TEST(status_of(reg)["unsaved_last_seen"].get<int>() == 0);
  // A second flush has nothing to write.
  BOOST_TEST_REQUIRE(static_cast<bool>(ask<caf::ok_atom>(reg, atom::flush::value)));
  BOOST_TEST(status_of(writer)["writes"].get<int>() == writes_before + 1);
}

BOOST_AUTO_TEST_CASE(concurrent_heartbeats_start_exactly_one_session) {
  // An agent stored offline (e.g. it went offline before a restart).
  auto rec = make_agent("r8");
  rec.status = "offline";
  BOOST_TEST_REQUIRE(static_cast<bool>(write(insert_op(rec))));
  auto reg = spawn_registry(slow_offline());
  caf::scoped_actor events{*sys};
  auto listener = own(sys->spawn(forwarder, caf::actor_cast<caf::actor>(events)));
  (*self)->send(reg, atom::subscribe::value, listener);
  BOOST_TEST_REQUIRE(status_of(reg)["online"].get<int>() == 0);
  auto writes_before = status_of(writer)["writes"].get<int>();
  auto running = sys->registry().running();

  constexpr int beats = 20;
  using handle_t = decltype((*self)->request(reg, reply_timeout, atom::heartbeat::value,
                                             std::string{}));
  std::vector<handle_t> handles;
  for (int i = 0; i < beats; ++i)
    handles.push_back((*self)->request(reg, reply_timeout, atom::heartbeat::value,
                                       std::string{"r8"}));
  int online = 0;
  for (auto& h : handles)
    h.receive([&](heartbeat_ack& ack) { online += ack.status == "online" ? 1 : 0; },
              [&](caf::error& err) { BOOST_TEST_MESSAGE("heartbeat failed: " << to_problem(err).message); });
  BOOST_TEST(online == beats);
  auto st = status_of(reg);
  BOOST_TEST(st["online"].get<int>() == 1);
  BOOST_TEST(st["starting"].get<int>() == 0);
  BOOST_TEST(st["heartbeats"].get<int>() == beats);
  // One status write, one session actor, one online event.
  BOOST_TEST(status_of(writer)["writes"].get<int>() == writes_before + 1);
  BOOST_TEST(sys->registry().running() == running + 1);
  auto ev = next_event(events);
  BOOST_TEST_REQUIRE(static_cast<bool>(ev));
  BOOST_TEST(ev->kind == "agent_online");
  BOOST_TEST(!next_event(events, 200ms));
  BOOST_TEST(stored("r8")->status == "online");
}

BOOST_AUTO_TEST_CASE(a_late_offline_report_of_an_old_session_is_ignored) {
  auto reg = spawn_registry(slow_offline());
  auto out = ask<agent_record>(reg, atom::register_::value, make_agent("r9"));
  BOOST_TEST_REQUIRE(static_cast<bool>(out));
  // No session of this registry has generation 999.
  (*self)->send(reg, atom::offline::value, std::string{"r9"}, uint64_t{999}, out->last_seen);
  (*self)->send(reg, atom::offline::value, std::string{"nobody"}, uint64_t{1}, out->last_seen);
  auto st = status_of(reg);  // answered after both were handled
  BOOST_TEST(st["online"].get<int>() == 1);
  BOOST_TEST(st["went_offline"].get<int>() == 0);
  BOOST_TEST(static_cast<bool>(ask<caf::ok_atom>(writer, atom::flush::value)));
  BOOST_TEST(stored("r9")->status == "online");
}

BOOST_AUTO_TEST_CASE(agents_online_at_start_get_a_fresh_deadline) {
  // Stored online by a previous run, silent since.
  auto rec = make_agent("r10");
  rec.status = "online";
  BOOST_TEST_REQUIRE(static_cast<bool>(write(insert_op(rec))));
  auto reg = spawn_registry(quick_offline());
  BOOST_TEST(eventually([&] {
    auto r = read("r10");
    return r && r->status == "offline";
  }));
  BOOST_TEST(status_of(reg)["went_offline"].get<int>() == 1);
}

// An agent restored online at start and never heard from again goes offline
// with the last_seen it was stored with: the offline write must not record a
// time the agent was not seen (such as the server's start).
BOOST_AUTO_TEST_CASE(a_restored_session_keeps_last_seen) {
  auto rec = make_agent("r11");
  rec.status = "online";
  rec.last_seen = now_ms() - std::chrono::milliseconds(1h).count();
  BOOST_TEST_REQUIRE(static_cast<bool>(write(insert_op(rec))));
  auto reg = spawn_registry(quick_offline());
  BOOST_TEST_REQUIRE(eventually([&] {
    auto r = read("r11");
    return r && r->status == "offline";
  }));
  BOOST_TEST(stored("r11")->last_seen == rec.last_seen);
}

BOOST_AUTO_TEST_SUITE_END()
