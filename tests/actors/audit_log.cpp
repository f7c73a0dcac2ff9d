// The audit log actor: entries reach the database chained and hashed, one
// JSON line each reaches the output, a restart continues the chain, and the
// node refuses an output it can't open.
#include <boost/test/unit_test.hpp>

#include <fstream>

#include "actors/audit_log.hpp"
#include "actors/node.hpp"
#include "protocol/audit_chain.hpp"
#include "storage/audit_repository.hpp"
#include "storage/database.hpp"
#include "support.hpp"

using namespace tessera;
using namespace tessera::test;

namespace {

audit_entry event(const std::string& action, const std::string& actor, int64_t at = 0) {
  audit_entry e;
  e.at = at;
  e.action = action;
  e.actor = actor;
  e.target = "usr_target";
  e.remote = "198.51.100.4";
  e.detail = R"({"why":")" + action + R"("})";
  return e;
}

std::vector<std::string> lines_of(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

struct audit_fixture : actor_fixture {
  audit_fixture() {
    auto pattern = (std::filesystem::temp_directory_path() / "tessera-audit-XXXXXX").string();
    BOOST_TEST_REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
    file = dir / "audit.jsonl";
  }
  ~audit_fixture() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }

  /// An audit log on the fixture's writer, continuing the stored chain.
  audit_log_actor spawn_log() {
    auto sql = storage::open_session(db, storage::session_role::reader);
    return own(sys->spawn<caf::detached>(audit_log, open_audit_sink("file:" + file.string()),
                                         writer, storage::audit::last_hash(*sql)));
  }

  void stop(const audit_log_actor& log) {
    (*self)->send_exit(log, caf::exit_reason::user_shutdown);
    (*self)->wait_for(log);
  }

  /// Waits until `log` stored `n` entries.
  void wait_stored(const audit_log_actor& log, int n) {
    BOOST_TEST_REQUIRE(eventually([&] { return status_of(log).value("stored", 0) == n; }));
  }

  /// The whole stored log, oldest first.
  std::vector<audit_entry> stored_log() {
    audit_query q;
    q.limit = 1000;
    auto newest_first = ask<std::vector<audit_entry>>(readers, atom::audit::value, q);
    BOOST_TEST_REQUIRE(static_cast<bool>(newest_first));
    return {newest_first->rbegin(), newest_first->rend()};
  }

  /// Each entry links to the one before and its hash is recomputable.
  void check_chain(const std::vector<audit_entry>& log) {
    std::string prev;
    int64_t last_seq = 0;
    for (const auto& e : log) {
      BOOST_TEST(e.prev_hash == prev);
      BOOST_TEST(e.hash == link_hash(e));
      BOOST_TEST(e.seq > last_seq);
      prev = e.hash;
      last_seq = e.seq;
    }
  }

  std::filesystem::path dir;
  std::filesystem::path file;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(audit_log, audit_fixture)

BOOST_AUTO_TEST_CASE(entries_are_stored_chained_and_written_as_json_lines) {
  auto log = spawn_log();
  auto before = now_ms();
  (*self)->send(log, event("login_failed", ""));
  (*self)->send(log, event("login_succeeded", "usr_1", 1'700'000'000'000));
  (*self)->send(log, event("key_created", "usr_1"));
  wait_stored(log, 3);

  auto entries = stored_log();
  BOOST_TEST_REQUIRE(entries.size() == 3u);
  check_chain(entries);
  BOOST_TEST(entries[0].prev_hash == "");  // the first entry of a new log
  BOOST_TEST(entries[0].action == "login_failed");
  BOOST_TEST(entries[0].at >= before);  // stamped, as it came with 0
  BOOST_TEST(entries[1].at == 1'700'000'000'000);  // kept
  BOOST_TEST(entries[1].actor == "usr_1");
  BOOST_TEST(entries[1].target == "usr_target");
  BOOST_TEST(entries[1].remote == "198.51.100.4");
  BOOST_TEST(entries[1].detail == R"({"why":"login_succeeded"})");

  auto lines = lines_of(file);
  BOOST_TEST_REQUIRE(lines.size() == 3u);
  for (size_t i = 0; i < lines.size(); ++i) {
    auto line = nlohmann::json::parse(lines[i]);
    BOOST_TEST(line["hash"].get<std::string>() == entries[i].hash);
    BOOST_TEST(line["prev_hash"].get<std::string>() == entries[i].prev_hash);
    BOOST_TEST(line["action"].get<std::string>() == entries[i].action);
    BOOST_TEST(line["at"].get<int64_t>() == entries[i].at);
    BOOST_TEST(line["detail"]["why"].get<std::string>() == entries[i].action);
    BOOST_TEST(lines[i] == to_json_line(entries[i]));
  }

  auto st = status_of(log);
  BOOST_TEST(st["entries"].get<int>() == 3);
  BOOST_TEST(st["stored"].get<int>() == 3);
  BOOST_TEST(st["store_failures"].get<int>() == 0);
  BOOST_TEST(st["write_failures"].get<int>() == 0);
  BOOST_TEST(st["output"].get<std::string>() == "file:" + file.string());
}

BOOST_AUTO_TEST_CASE(a_restart_continues_the_chain) {
  auto first = spawn_log();
  (*self)->send(first, event("login_failed", ""));
  (*self)->send(first, event("login_failed", ""));
  wait_stored(first, 2);
  stop(first);

  auto second = spawn_log();
  (*self)->send(second, event("role_changed", "usr_admin"));
  (*self)->send(second, event("user_deleted", "usr_admin"));
  wait_stored(second, 2);

  auto entries = stored_log();
  BOOST_TEST_REQUIRE(entries.size() == 4u);
  check_chain(entries);
  BOOST_TEST(entries[2].prev_hash == entries[1].hash);
  // The file was appended to, not truncated.
  auto lines = lines_of(file);
  BOOST_TEST_REQUIRE(lines.size() == 4u);
  BOOST_TEST(nlohmann::json::parse(lines[3])["hash"].get<std::string>() == entries[3].hash);
}

BOOST_AUTO_TEST_CASE(client_bytes_that_are_not_utf8_are_still_logged) {
  auto log = spawn_log();
  auto e = event("login_failed", "");
  e.detail = "{\"email\":\"x\xff@example.org\"}";
  e.remote = std::string("1.2.3.4\0", 8);
  (*self)->send(log, e);
  wait_stored(log, 1);
  auto entries = stored_log();
  BOOST_TEST_REQUIRE(entries.size() == 1u);
  check_chain(entries);
  BOOST_TEST(nlohmann::json::parse(entries[0].detail)["email"].get<std::string>() ==
             "x\xef\xbf\xbd@example.org");
  BOOST_TEST(entries[0].remote == "1.2.3.4\xef\xbf\xbd");
  BOOST_TEST(lines_of(file).size() == 1u);
}

BOOST_AUTO_TEST_CASE(the_log_is_queried_newest_first_by_action_and_seq) {
  auto log = spawn_log();
  for (auto action : {"a", "b", "a", "c", "a"})
    (*self)->send(log, event(action, ""));
  wait_stored(log, 5);
  auto all = stored_log();
  BOOST_TEST_REQUIRE(all.size() == 5u);

  audit_query q;
  q.action = "a";
  q.limit = 2;
  auto page = ask<std::vector<audit_entry>>(readers, atom::audit::value, q);
  BOOST_TEST_REQUIRE(static_cast<bool>(page));
  BOOST_TEST_REQUIRE(page->size() == 2u);
  BOOST_TEST((*page)[0].seq == all[4].seq);
  BOOST_TEST((*page)[1].seq == all[2].seq);
  q.before_seq = page->back().seq;
  page = ask<std::vector<audit_entry>>(readers, atom::audit::value, q);
  BOOST_TEST_REQUIRE(static_cast<bool>(page));
  BOOST_TEST_REQUIRE(page->size() == 1u);
  BOOST_TEST((*page)[0].seq == all[0].seq);
  q.before_seq = page->back().seq;
  page = ask<std::vector<audit_entry>>(readers, atom::audit::value, q);
  BOOST_TEST_REQUIRE(static_cast<bool>(page));
  BOOST_TEST(page->empty());
}

BOOST_AUTO_TEST_CASE(a_seq_beyond_32_bits_is_read_whole) {
  auto sql = storage::open_session(db, storage::session_role::writer);
  *sql << "INSERT INTO audit_log (seq, at, action, actor, target, remote, detail, prev_hash, hash)"
          " VALUES (5000000000, 1, 'x', '', '', '', '{}', '', 'h')";
  auto entries = stored_log();
  BOOST_TEST_REQUIRE(entries.size() == 1u);
  BOOST_TEST(entries[0].seq == 5'000'000'000);
  BOOST_TEST(storage::audit::last_hash(*sql) == "h");
}

BOOST_AUTO_TEST_CASE(an_output_that_cannot_be_opened_is_refused_by_name) {
  auto refused = [](const std::string& output) {
    try {
      open_audit_sink(output);
    } catch (const std::runtime_error& e) {
      return std::string{e.what()};
    }
    return std::string{};
  };
  auto missing_dir = refused("file:" + (dir / "no" / "such" / "dir" / "audit.jsonl").string());
  BOOST_TEST(missing_dir.find("audit_log.output") != std::string::npos, missing_dir);
  BOOST_TEST(missing_dir.find("no/such/dir") != std::string::npos, missing_dir);
  for (auto bad : {"syslog", "file:", "FILE:/tmp/x", ""}) {
    auto msg = refused(bad);
    BOOST_TEST(msg.find("audit_log.output") != std::string::npos, bad << ": " << msg);
  }
  BOOST_TEST(open_audit_sink("stdout").output == "stdout");

  config::settings s;
  s.database = db;
  s.audit_log.output = "file:" + (dir / "missing" / "audit.jsonl").string();
  try {
    node n(*sys, s);
    BOOST_FAIL("the node started with an output it can't open");
  } catch (const std::runtime_error& e) {
    BOOST_TEST(std::string{e.what()}.find("audit_log.output") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_CASE(a_node_stores_every_entry_it_accepted_before_shutdown) {
  scratch_database other;
  config::settings s;
  s.database = other.settings;
  s.audit_log.output = "file:" + file.string();
  {
    node n(*sys, s);
    for (int i = 0; i < 20; ++i)
      (*self)->send(n.actors().audit, event("login_failed", "", 1'700'000'000'000 + i));
    n.shutdown();
  }
  auto sql = storage::open_session(s.database, storage::session_role::reader);
  audit_query q;
  q.limit = 100;
  auto newest_first = storage::audit::list(*sql, q);
  std::vector<audit_entry> entries{newest_first.rbegin(), newest_first.rend()};
  BOOST_TEST_REQUIRE(entries.size() == 20u);
  check_chain(entries);
  BOOST_TEST(lines_of(file).size() == 20u);
  // A second node on the same database continues the chain.
  {
    node n(*sys, s);
    (*self)->send(n.actors().audit, event("login_succeeded", "usr_1"));
    n.shutdown();
  }
  newest_first = storage::audit::list(*sql, q);
  BOOST_TEST_REQUIRE(newest_first.size() == 21u);
  BOOST_TEST(newest_first[0].prev_hash == entries.back().hash);
  BOOST_TEST(newest_first[0].hash == link_hash(newest_first[0]));
}

BOOST_AUTO_TEST_SUITE_END()
