// The single writer: acknowledgement after commit, group commit, isolation of
// a failing write inside a batch, atomic groups, flush.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <latch>
#include <thread>

#include "actors/persistence.hpp"
#include "support.hpp"

using namespace tessera;
using namespace tessera::test;

namespace {

using ok_handle = decltype(std::declval<caf::scoped_actor&>()->request(
    std::declval<persistence_actor&>(), reply_timeout, atom::write::value, std::declval<write_op>()));

/// Sends every op as its own write without waiting for any answer.
std::vector<ok_handle> send_all(caf::scoped_actor& self, const persistence_actor& writer,
                                const std::vector<write_op>& ops) {
  std::vector<ok_handle> handles;
  for (auto& op : ops)
    handles.push_back(self->request(writer, reply_timeout, atom::write::value, op));
  return handles;
}

/// The answer of every handle, in order: ec::none for ok.
std::vector<ec> answers(std::vector<ok_handle>& handles) {
  std::vector<ec> result;
  for (auto& h : handles)
    h.receive([&](caf::ok_atom) { result.push_back(ec::none); },
              [&](caf::error& err) { result.push_back(code_of(err)); });
  return result;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(persistence, actor_fixture)

BOOST_AUTO_TEST_CASE(a_write_is_acknowledged_only_after_commit) {
  auto rec = make_agent("a1");
  BOOST_TEST(!stored("a1"));
  auto ok = write(insert_op(rec));
  BOOST_TEST_REQUIRE(static_cast<bool>(ok));
  // Right after the ok, another session on the database sees the row: the
  // transaction committed before the answer left.
  auto row = stored("a1");
  BOOST_TEST_REQUIRE(static_cast<bool>(row));
  BOOST_TEST(row->name == rec.name);
  BOOST_TEST(row->card == rec.card);
  BOOST_TEST(row->last_seen == rec.last_seen);
  auto st = status_of(writer);
  BOOST_TEST(st["writes"].get<int>() == 1);
  BOOST_TEST(st["batches"].get<int>() == 1);
  BOOST_TEST(st["pending"].get<int>() == 0);
  BOOST_TEST(st["state"].get<std::string>() == "ok");
}

BOOST_AUTO_TEST_CASE(every_kind_of_write_reaches_the_database) {
  auto rec = make_agent("k1");
  BOOST_TEST_REQUIRE(static_cast<bool>(write(insert_op(rec))));
  write_op replace;
  replace.kind = write_op::replace_card;
  replace.agent = rec;
  replace.agent.name = "renamed";
  replace.agent.card = R"({"name":"renamed"})";
  replace.agent.updated_at = rec.updated_at + 10;
  BOOST_TEST_REQUIRE(static_cast<bool>(write(replace)));
  write_op status;
  status.kind = write_op::set_status;
  status.agent.id = "k1";
  status.agent.status = "online";
  status.agent.last_seen = rec.last_seen + 20;
  BOOST_TEST_REQUIRE(static_cast<bool>(write(status)));
  write_op touch;
  touch.kind = write_op::touch;
  touch.agent.id = "k1";
  touch.agent.last_seen = rec.last_seen + 30;
  BOOST_TEST_REQUIRE(static_cast<bool>(write(touch)));
  auto row = stored("k1");
  BOOST_TEST_REQUIRE(static_cast<bool>(row));
  BOOST_TEST(row->name == "renamed");
  BOOST_TEST(row->card == replace.agent.card);
  BOOST_TEST(row->updated_at == rec.updated_at + 10);
  BOOST_TEST(row->status == "online");
  BOOST_TEST(row->last_seen == rec.last_seen + 30);
  // touch never moves last_seen back.
  touch.agent.last_seen = rec.last_seen;
  BOOST_TEST_REQUIRE(static_cast<bool>(write(touch)));
  BOOST_TEST(stored("k1")->last_seen == rec.last_seen + 30);
  write_op del;
  del.kind = write_op::delete_agent;
  del.agent.id = "k1";
  BOOST_TEST_REQUIRE(static_cast<bool>(write(del)));
  BOOST_TEST(!stored("k1"));
}

BOOST_AUTO_TEST_CASE(writes_to_unknown_agents_are_not_found) {
  write_op op;
  op.agent.id = "ghost";
  for (auto kind : {write_op::replace_card, write_op::delete_agent, write_op::set_status}) {
    op.kind = kind;
    op.agent.status = "online";
    auto res = write(op);
    BOOST_TEST_REQUIRE(!res);
    BOOST_TEST(code_of(res.error()) == ec::not_found);
  }
  BOOST_TEST(stored_count() == 0u);
}

BOOST_AUTO_TEST_CASE(concurrent_writers_share_transactions) {
  constexpr int threads = 4;
  constexpr int per_thread = 50;
  std::atomic<int> oks{0};
  std::atomic<int> errors{0};
  std::latch sent{threads};
  std::latch go{1};
  {
    // While the first write (a touch) waits for the lock, the others pile up in the
    // writer's mailbox: they must share the next transaction.
    write_lock lock{db};
    auto first = (*self)->request(writer, reply_timeout, atom::write::value,
                                  touch_op("blocker"));
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
      workers.emplace_back([&, t] {
        caf::scoped_actor me{*sys};
        std::vector<write_op> ops;
        for (int i = 0; i < per_thread; ++i)
          ops.push_back(insert_op(make_agent("w" + std::to_string(t) + "-" + std::to_string(i))));
        auto handles = send_all(me, writer, ops);
        sent.count_down();
        go.wait();
        for (auto code : answers(handles))
          (code == ec::none ? oks : errors) += 1;
      });
    sent.wait();
    lock.release();
    go.count_down();
    for (auto& w : workers)
      w.join();
    first.receive([&](caf::ok_atom) { oks += 1; }, [&](caf::error&) { errors += 1; });
  }
  BOOST_TEST(oks.load() == threads * per_thread + 1);
  BOOST_TEST(errors.load() == 0);
  BOOST_TEST(stored_count() == size_t{threads * per_thread});
  auto st = status_of(writer);
  BOOST_TEST(st["writes"].get<int>() == threads * per_thread + 1);
  BOOST_TEST(st["batches"].get<int>() < st["writes"].get<int>());
  BOOST_TEST(st["largest_batch"].get<int>() > 1);
  BOOST_TEST(st["pending"].get<int>() == 0);
}

BOOST_AUTO_TEST_CASE(a_batch_never_exceeds_max_batch) {
  const size_t total = max_batch + 100;
  std::vector<write_op> ops;
  for (size_t i = 0; i < total; ++i)
    ops.push_back(insert_op(make_agent("m" + std::to_string(i))));
  std::vector<ok_handle> handles;
  {
    write_lock lock{db};
    auto first = (*self)->request(writer, reply_timeout, atom::write::value,
                                  touch_op("blocker"));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    handles = send_all(*self, writer, ops);
    handles.insert(handles.begin(), first);
  }
  auto codes = answers(handles);
  BOOST_TEST(std::count(codes.begin(), codes.end(), ec::none) == static_cast<long>(total + 1));
  BOOST_TEST(stored_count() == total);
  auto st = status_of(writer);
  BOOST_TEST(st["largest_batch"].get<size_t>() <= max_batch);
  BOOST_TEST(st["largest_batch"].get<size_t>() > 1u);
  BOOST_TEST(st["batches"].get<size_t>() >= total / max_batch + 1);
  BOOST_TEST(st["writes"].get<size_t>() == total + 1);
}

BOOST_AUTO_TEST_CASE(a_duplicate_fails_alone_and_its_batch_still_commits) {
  BOOST_TEST_REQUIRE(static_cast<bool>(write(insert_op(make_agent("dup")))));
  std::vector<ok_handle> handles;
  {
    write_lock lock{db};
    auto first = (*self)->request(writer, reply_timeout, atom::write::value,
                                  touch_op("blocker"));
    // Give the writer the time to block on the lock, so the next four are
    // queued behind it and form one batch (if it did not, they join the
    // first one: still one batch).
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    handles = send_all(*self, writer,
                       {insert_op(make_agent("b1")), insert_op(make_agent("dup")),
                        insert_op(make_agent("b2")), insert_op(make_agent("b2"))});
    handles.insert(handles.begin(), first);
  }
  auto codes = answers(handles);
  BOOST_TEST_REQUIRE(codes.size() == 5u);
  BOOST_TEST(codes[0] == ec::none);
  BOOST_TEST(codes[1] == ec::none);
  BOOST_TEST(codes[2] == ec::agent_exists);  // exists in the database already
  BOOST_TEST(codes[3] == ec::none);
  BOOST_TEST(codes[4] == ec::agent_exists);  // exists earlier in the same batch
  BOOST_TEST(static_cast<bool>(stored("b1")));
  BOOST_TEST(static_cast<bool>(stored("b2")));
  BOOST_TEST(stored_count() == 3u);  // dup, b1, b2
  auto st = status_of(writer);
  BOOST_TEST(st["largest_batch"].get<int>() >= 4);
  BOOST_TEST(st["pending"].get<int>() == 0);
  BOOST_TEST(st["state"].get<std::string>() == "ok");
  // The writer is still fine afterwards.
  BOOST_TEST(static_cast<bool>(write(insert_op(make_agent("after")))));
}

BOOST_AUTO_TEST_CASE(a_group_of_writes_is_atomic) {
  BOOST_TEST_REQUIRE(static_cast<bool>(write(insert_op(make_agent("taken")))));
  std::vector<write_op> group{insert_op(make_agent("g1")), insert_op(make_agent("taken"))};
  auto res = ask<caf::ok_atom>(writer, atom::write::value, group);
  BOOST_TEST_REQUIRE(!res);
  BOOST_TEST(code_of(res.error()) == ec::agent_exists);
  BOOST_TEST(!stored("g1"));  // nothing of the first op
  // A failing group next to a good one in the same batch: only it fails.
  std::vector<write_op> good{insert_op(make_agent("g2")), insert_op(make_agent("g3"))};
  auto bad = (*self)->request(writer, reply_timeout, atom::write::value, group);
  auto fine = (*self)->request(writer, reply_timeout, atom::write::value, good);
  ec bad_code = ec::none;
  bad.receive([](caf::ok_atom) {}, [&](caf::error& err) { bad_code = code_of(err); });
  bool fine_ok = false;
  fine.receive([&](caf::ok_atom) { fine_ok = true; }, [](caf::error&) {});
  BOOST_TEST(bad_code == ec::agent_exists);
  BOOST_TEST(fine_ok);
  BOOST_TEST(!stored("g1"));
  BOOST_TEST(static_cast<bool>(stored("g2")));
  BOOST_TEST(static_cast<bool>(stored("g3")));
  // A group that succeeds applies every op.
  write_op online;
  online.kind = write_op::set_status;
  online.agent.id = "g2";
  online.agent.status = "online";
  online.agent.last_seen = now_ms();
  write_op del;
  del.kind = write_op::delete_agent;
  del.agent.id = "g3";
  BOOST_TEST(static_cast<bool>(
      ask<caf::ok_atom>(writer, atom::write::value, std::vector<write_op>{online, del})));
  BOOST_TEST(stored("g2")->status == "online");
  BOOST_TEST(!stored("g3"));
}

BOOST_AUTO_TEST_CASE(flush_answers_after_pending_writes_committed) {
  std::vector<ok_handle> handles;
  {
    write_lock lock{db};
    handles.push_back((*self)->request(writer, reply_timeout, atom::write::value,
                                       touch_op("blocker")));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (int i = 0; i < 5; ++i)
      handles.push_back((*self)->request(writer, reply_timeout, atom::write::value,
                                         insert_op(make_agent("f" + std::to_string(i)))));
  }
  // The flush is behind the writes in the mailbox (and, if the writer blocked
  // on the lock, ahead of the commit they scheduled).
  auto flushed = ask<caf::ok_atom>(writer, atom::flush::value);
  BOOST_TEST_REQUIRE(static_cast<bool>(flushed));
  BOOST_TEST(stored_count() == 5u);
  for (int i = 0; i < 5; ++i)
    BOOST_TEST(static_cast<bool>(stored("f" + std::to_string(i))));
  BOOST_TEST(status_of(writer)["pending"].get<int>() == 0);
  auto codes = answers(handles);
  BOOST_TEST(std::count(codes.begin(), codes.end(), ec::none) == 6);
  // Flushing with nothing pending answers too.
  BOOST_TEST(static_cast<bool>(ask<caf::ok_atom>(writer, atom::flush::value)));
}

// Another session holding the write lock (a second process, an operator's
// shell, a migration) makes a write wait, not fail with `unavailable`: on
// SQLite the writer's transactions begin IMMEDIATE, so busy_timeout applies
// even though agents::insert reads before it writes; on PostgreSQL the write
// queues behind the table lock.
BOOST_AUTO_TEST_CASE(the_writer_waits_for_a_busy_database) {
  write_lock lock{db};
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    lock.release();
  });
  auto res = write(insert_op(make_agent("patient")));
  release.join();
  BOOST_TEST(static_cast<bool>(res), "write failed: " << (res ? "" : to_problem(res.error()).message));
  BOOST_TEST(static_cast<bool>(stored("patient")));
}

BOOST_AUTO_TEST_SUITE_END()
