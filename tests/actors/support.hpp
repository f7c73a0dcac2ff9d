#pragma once
// Shared fixture of the actor tests: a real actor system with Tessera's
// message types, a migrated scratch database (a SQLite file, or a fresh
// PostgreSQL database when TESSERA_TEST_DRIVER=postgres), the writer and the
// reader pool, and helpers that ask actors with finite timeouts.
#include <boost/test/unit_test.hpp>
#include <caf/all.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <soci/soci.h>

#include "actors/clock.hpp"
#include "actors/errors.hpp"
#include "actors/interfaces.hpp"
#include "actors/registry.hpp"
#include "config/settings.hpp"

namespace tessera {

/// Lets Boost.Test print error codes in failed comparisons.
inline std::ostream& boost_test_print_type(std::ostream& os, ec code) {
  return os << to_string(code);
}

}  // namespace tessera

namespace tessera::test {

/// Upper bound for waiting on any single answer. Never a measured duration.
constexpr std::chrono::seconds reply_timeout{5};

/// A record as the HTTP layer would hand it to the registry.
agent_record make_agent(const std::string& id);

/// A write that inserts `rec` as is.
write_op insert_op(const agent_record& rec);

/// A write that succeeds whether or not `id` exists (a touch of last_seen):
/// the blocker the batching tests send while a write_lock is held.
write_op touch_op(const std::string& id, int64_t last_seen = 1);

/// The code of an error, through the one mapping the HTTP layer uses.
inline ec code_of(const caf::error& err) {
  return to_problem(err).code;
}

/// Polls `pred` (every few ms) until it holds or `limit` passed.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  auto until = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (pred())
      return true;
    if (std::chrono::steady_clock::now() >= until)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

/// Waits until the wall clock (ms since the epoch) passed `t`, so a later
/// timestamp is strictly greater. Not a timing assertion.
void wait_until_after(int64_t t);

/// Holds the database's write lock from an independent session without
/// changing anything, until release() (from any one thread) or destruction:
/// on SQLite a BEGIN IMMEDIATE transaction, on PostgreSQL a transaction
/// holding LOCK TABLE agents IN EXCLUSIVE MODE (reads still pass). The
/// writer's next transaction then waits for it (SQLite's busy handler,
/// PostgreSQL's lock queue) instead of failing, and writes sent meanwhile pile
/// up in the writer's mailbox.
class write_lock {
public:
  explicit write_lock(const config::database_settings& db);
  ~write_lock();
  void release();

private:
  std::unique_ptr<soci::session> sql_;
  bool held_ = false;
};

/// The database of one test: a SQLite file in a temporary directory, or, when
/// TESSERA_TEST_DRIVER=postgres, a fresh database (tessera_test_<random hex>)
/// on the server whose admin conninfo TESSERA_TEST_PG_DSN gives, dropped at the
/// end. Empty: migrations are the fixture's job.
class scratch_database {
public:
  scratch_database();
  ~scratch_database();
  scratch_database(const scratch_database&) = delete;
  scratch_database& operator=(const scratch_database&) = delete;

  config::database_settings settings;
  bool postgres() const { return !pg_name_.empty(); }

private:
  std::filesystem::path dir_;  // sqlite only
  std::string pg_name_;        // postgres only
};

class actor_fixture {
public:
  actor_fixture();
  ~actor_fixture();
  actor_fixture(const actor_fixture&) = delete;
  actor_fixture& operator=(const actor_fixture&) = delete;

  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  scratch_database scratch;
  /// The scratch database's settings (driver "sqlite" or "postgres").
  config::database_settings db;
  persistence_actor writer;
  reader_actor readers;
  /// For the test body's own requests (the test thread only).
  std::unique_ptr<caf::scoped_actor> self;

  /// Spawns a registry on the fixture's writer and readers; it is stopped
  /// with the fixture.
  registry_actor spawn_registry(registry_config rc);

  /// Remembers an actor so the fixture stops it at the end.
  template <class Handle>
  Handle own(Handle h) {
    owned_.push_back(caf::actor_cast<caf::actor>(h));
    return h;
  }

  /// Asks `h` and waits (at most reply_timeout) for a reply of type T.
  template <class T, class Handle, class... Ts>
  caf::expected<T> ask(const Handle& h, Ts&&... xs) {
    caf::expected<T> result{caf::sec::request_timeout};
    (*self)
        ->request(h, reply_timeout, std::forward<Ts>(xs)...)
        .receive([&](T& x) { result = std::move(x); },
                 [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  /// The status JSON of any component.
  template <class Handle>
  nlohmann::json status_of(const Handle& h) {
    auto text = ask<std::string>(h, atom::status::value);
    if (!text)
      return nlohmann::json::object();
    return nlohmann::json::parse(*text);
  }

  /// Writes through the writer and waits for the answer.
  caf::expected<caf::ok_atom> write(const write_op& op);

  /// The row as a fresh, independent session on the database (same driver)
  /// sees it, not through the actors.
  std::optional<agent_record> stored(const std::string& id);
  size_t stored_count();

  /// The row as the reader pool sees it.
  caf::expected<agent_record> read(const std::string& id);

private:
  std::vector<caf::actor> owned_;
};

}  // namespace tessera::test
