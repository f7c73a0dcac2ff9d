#include "support.hpp"

#include <cstdlib>
#include <stdexcept>

#include "actors/messages.hpp"
#include "actors/persistence.hpp"
#include "actors/readers.hpp"
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
  *sql_ << "BEGIN IMMEDIATE";
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

}  // namespace

actor_fixture::actor_fixture() {
  register_messages(cfg);
  sys = std::make_unique<caf::actor_system>(cfg);
  dir = make_temp_dir();
  db.driver = "sqlite";
  db.dsn = (dir / "tessera.db").string();
  db.readers = 2;
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
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
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
