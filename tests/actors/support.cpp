#include "support.hpp"

#include <cstdlib>
#include <stdexcept>

#include <soci/postgresql/soci-postgresql.h>

#include "actors/messages.hpp"
#include "actors/persistence.hpp"
#include "actors/readers.hpp"
#include "protocol/crypto.hpp"
#include "protocol/encoding.hpp"
#include "storage/agent_repository.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"

namespace tessera::test {

agent_record make_agent(const std::string& id) {
  agent_record rec;
  rec.id = id;
  rec.card = R"({"id":")" + id + R"(","name":"agent )" + id + R"("})";
  rec.name = "agent " + id;
  rec.protocols = {"a2a", "mcp"};
  rec.skills = {"search"};
  rec.tags = {"test"};
  rec.status = "offline";
  auto now = now_ms();
  rec.registered_at = rec.updated_at = rec.last_seen = now;
  return rec;
}

write_op insert_op(const agent_record& rec) {
  write_op op;
  op.kind = write_op::insert_agent;
  op.agent = rec;
  return op;
}

write_op touch_op(const std::string& id, int64_t last_seen) {
  write_op op;
  op.kind = write_op::touch;
  op.agent.id = id;
  op.agent.last_seen = last_seen;
  return op;
}

void wait_until_after(int64_t t) {
  while (now_ms() <= t)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

write_lock::write_lock(const config::database_settings& db)
    : sql_(storage::open_session(db, storage::session_role::writer)) {
  if (storage::dialect_of(db) == storage::dialect::postgres) {
    // EXCLUSIVE conflicts with the ROW EXCLUSIVE lock every INSERT, UPDATE
    // and DELETE on agents takes, and lets plain SELECTs through.
    *sql_ << "BEGIN";
    *sql_ << "LOCK TABLE agents IN EXCLUSIVE MODE";
  } else {
    *sql_ << "BEGIN IMMEDIATE";
  }
  held_ = true;
}

write_lock::~write_lock() {
  release();
}

void write_lock::release() {
  if (held_) {
    held_ = false;
    *sql_ << "ROLLBACK";
  }
}

namespace {

std::filesystem::path make_temp_dir() {
  auto pattern = (std::filesystem::temp_directory_path() / "tessera-actors-XXXXXX").string();
  if (!::mkdtemp(pattern.data()))
    throw std::runtime_error("mkdtemp failed for " + pattern);
  return pattern;
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}

}  // namespace

scratch_database::scratch_database() {
  settings.readers = 2;
  if (env_or("TESSERA_TEST_DRIVER", "sqlite") != "postgres") {
    dir_ = make_temp_dir();
    settings.driver = "sqlite";
    settings.dsn = (dir_ / "tessera.db").string();
    return;
  }
  auto admin = env_or("TESSERA_TEST_PG_DSN", "");
  if (admin.empty())
    throw std::runtime_error(
        "TESSERA_TEST_DRIVER=postgres needs TESSERA_TEST_PG_DSN (tools/test sets it)");
  auto name = "tessera_test_" + encoding::hex_encode(crypto::random_bytes(6));
  soci::session sql(*soci::factory_postgresql(), admin);
  sql << "CREATE DATABASE " + name;
  pg_name_ = name;
  settings.driver = "postgres";
  // In a libpq conninfo string the last dbname wins.
  settings.dsn = admin + " dbname=" + name;
}

scratch_database::~scratch_database() {
  if (!pg_name_.empty()) {
    try {
      soci::session sql(*soci::factory_postgresql(), env_or("TESSERA_TEST_PG_DSN", ""));
      sql << "DROP DATABASE IF EXISTS " + pg_name_ + " WITH (FORCE)";
    } catch (const std::exception&) {
      // The throwaway server goes away with tools/test anyway.
    }
  }
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

actor_fixture::actor_fixture() {
  register_messages(cfg);
  sys = std::make_unique<caf::actor_system>(cfg);
  db = scratch.settings;
  auto sql = storage::open_session(db, storage::session_role::writer);
  storage::migrate(*sql, storage::dialect_of(db));
  writer = sys->spawn<caf::detached>(tessera::persistence, std::move(sql), db);
  readers = spawn_readers(*sys, db);
  self = std::make_unique<caf::scoped_actor>(*sys);
}

actor_fixture::~actor_fixture() {
  // Registries and helpers first (they write through the writer), then the
  // writer and the readers; the system's destructor waits for all of them.
  for (auto& a : owned_)
    (*self)->send_exit(a, caf::exit_reason::user_shutdown);
  for (auto& a : owned_)
    (*self)->wait_for(a);
  (*self)->send_exit(writer, caf::exit_reason::user_shutdown);
  (*self)->send_exit(readers, caf::exit_reason::user_shutdown);
  self.reset();
  owned_.clear();
  writer = nullptr;
  readers = nullptr;
  sys.reset();
  // The scratch database goes with its member, after every session closed.
}

registry_actor actor_fixture::spawn_registry(registry_config rc) {
  return own(sys->spawn(tessera::registry, rc, writer, readers));
}

caf::expected<caf::ok_atom> actor_fixture::write(const write_op& op) {
  return ask<caf::ok_atom>(writer, atom::write::value, op);
}

std::optional<agent_record> actor_fixture::stored(const std::string& id) {
  auto sql = storage::open_session(db, storage::session_role::reader);
  return storage::agents::find(*sql, id);
}

size_t actor_fixture::stored_count() {
  auto sql = storage::open_session(db, storage::session_role::reader);
  return storage::agents::count(*sql);
}

caf::expected<agent_record> actor_fixture::read(const std::string& id) {
  return ask<agent_record>(readers, atom::get::value, id);
}

}  // namespace tessera::test
