#include "actors/node.hpp"

#include <ctime>
#include <stdexcept>

#include "actors/audit_log.hpp"
#include "actors/bridge.hpp"
#include "actors/broker.hpp"
#include "actors/nonce_keeper.hpp"
#include "actors/persistence.hpp"
#include "actors/readers.hpp"
#include "actors/registry.hpp"
#include "actors/replay_guard.hpp"
#include "actors/reputation.hpp"
#include "actors/signaling_hub.hpp"
#include "actors/verifier.hpp"
#include "actors/password_hasher.hpp"
#include "actors/watch.hpp"
#include "actors/clock.hpp"
#include "storage/reputation_repository.hpp"
#include "storage/audit_repository.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "storage/nonce_store.hpp"
#include "protocol/crypto.hpp"
#include "protocol/encoding.hpp"

namespace tessera {

std::string replay_store_of(const config::settings& s) {
  if (s.auth.replay_store != "auto")
    return s.auth.replay_store;
  if (s.signaling.broker == "redis")
    return "redis";
  return storage::dialect_of(s.database) == storage::dialect::postgres ? "database" : "memory";
}

node::node(caf::actor_system& sys, const config::settings& s) : sys_(sys) {
  std::unique_ptr<storage::session> sql;
  std::string audit_chain_end;
  try {
    sql = storage::open_session(s.database, storage::session_role::writer);
    schema_version_ = storage::migrate(*sql, storage::dialect_of(s.database));
    storage::scores::ensure_rank(*sql, reputation::params_from(s.reputation));
    audit_chain_end = storage::audit::last_hash(*sql);
  } catch (const std::exception& e) {
    throw std::runtime_error("database (" + s.database.driver + "): " + e.what());
  }
  // Before anything is spawned, so a bad output leaves nothing behind.
  auto sink = open_audit_sink(s.audit_log.output);
  actors_.writer = sys.spawn<caf::detached>(persistence, std::move(sql), s.database);
  actors_.readers = spawn_readers(sys, s.database);
  registry_config rc;
  rc.offline_after = s.registry.offline_after;
  rc.flush_interval = s.registry.heartbeat_interval;
  rc.timeout = s.server.request_timeout;
  actors_.registry = sys.spawn(registry, rc, actors_.writer, actors_.readers);
  reputation_config repc;
  repc.params = reputation::params_from(s.reputation);
  repc.timeout = s.server.request_timeout;
  actors_.reputation = sys.spawn(reputation_engine, repc, actors_.writer, actors_.readers);
  caf::anon_send(actors_.registry, atom::subscribe::value,
                 event_listener_actor{actors_.reputation});
  // Event ids start at the start time (ms) times 1000: they keep growing
  // across restarts (protocol/agent_watch.hpp).
  actors_.watch = sys.spawn(watch_hub, s.watch, now_ms() * 1000);
  actors_.passwords = spawn_password_hashers(sys, s.user_auth);
  actors_.bridge = sys.spawn(bridge_hub, s.bridge);
  actors_.identity =
      std::make_shared<const bridge::node_identity>(bridge::make_node_identity(s.bridge.node_key));
  caf::anon_send(actors_.registry, atom::subscribe::value,
                 caf::actor_cast<event_listener_actor>(actors_.watch));
  auto skew = std::chrono::duration_cast<std::chrono::seconds>(s.auth.signature_max_skew).count();
  replay_guard_config gc;
  gc.window_seconds = skew;
  gc.not_before = static_cast<int64_t>(std::time(nullptr));
  gc.capacity = static_cast<size_t>(s.auth.replay_capacity);
  gc.per_key = static_cast<size_t>(s.auth.replay_per_key);
  gc.timeout = s.server.request_timeout;
  if (auto store = replay_store_of(s); store != "memory") {
    auto keeper = sys.spawn<caf::detached>(nonce_keeper, store == "redis"
                                                             ? storage::redis_nonce_store(s.redis)
                                                             : storage::database_nonce_store(s.database));
    actors_.nonces = keeper;
    gc.shared = keeper;
  }
  actors_.replay = sys.spawn(replay_guard, gc);
  actors_.audit = sys.spawn<caf::detached>(audit_log, std::move(sink), actors_.writer,
                                           std::move(audit_chain_end));
  verifier_config vc;
  vc.settings = s.verifier;
  vc.allow_cidrs = s.security.allow_cidrs;
  vc.timeout = s.server.request_timeout;
  actors_.verifier = sys.spawn(verifier, vc, actors_.readers, actors_.writer, actors_.reputation,
                               actors_.audit);
  actors_.node_id = s.signaling.node_id.empty()
                        ? "node-" + encoding::hex_encode(crypto::random_bytes(6))
                        : s.signaling.node_id;
  actors_.broker = spawn_broker(sys, s, actors_.node_id);
  actors_.hub = sys.spawn(signaling_hub, s.signaling, actors_.broker, actors_.readers);
  caf::anon_send(actors_.broker, atom::subscribe::value, actors_.hub);
}

node::~node() {
  shutdown();
}

void node::shutdown() {
  if (stopped_)
    return;
  stopped_ = true;
  caf::scoped_actor self{sys_};
  // The bridge's sessions and signaling first (the servers have closed their
  // connections by now): the hub, then the broker, which withdraws this
  // node's presence.
  for (auto h : {caf::actor_cast<caf::actor>(actors_.bridge),
                 caf::actor_cast<caf::actor>(actors_.watch),
                 caf::actor_cast<caf::actor>(actors_.hub),
                 caf::actor_cast<caf::actor>(actors_.broker)}) {
    self->send_exit(h, caf::exit_reason::user_shutdown);
    self->wait_for(h);
  }
  // No new verification starts; one in flight loses its reply.
  self->send_exit(actors_.verifier, caf::exit_reason::user_shutdown);
  self->wait_for(actors_.verifier);
  // The reputation engine stops next: it answers status only after the
  // events in its mailbox, so the writes they started reach the writer ahead
  // of its flush. Events still waiting behind an agent's write in flight, and
  // any published after this, are not scored.
  self->request(actors_.reputation, std::chrono::seconds(30), atom::status::value)
      .receive([](const std::string&) {}, [](const caf::error&) {});
  self->send_exit(actors_.reputation, caf::exit_reason::user_shutdown);
  self->wait_for(actors_.reputation);
  // The registry saves its coalesced heartbeats and stops first, so nothing
  // new reaches the writer; then the writer commits what it holds.
  self->request(actors_.registry, std::chrono::seconds(30), atom::flush::value)
      .receive([](caf::ok_atom) {}, [](const caf::error&) {});
  self->send_exit(actors_.registry, caf::exit_reason::user_shutdown);
  self->wait_for(actors_.registry);
  // The audit log answers status only after the entries queued before it,
  // so each of them has gone to the writer by then, ahead of the flush.
  self->request(actors_.audit, std::chrono::seconds(30), atom::status::value)
      .receive([](const std::string&) {}, [](const caf::error&) {});
  self->send_exit(actors_.audit, caf::exit_reason::user_shutdown);
  self->wait_for(actors_.audit);
  self->request(actors_.writer, std::chrono::seconds(30), atom::flush::value)
      .receive([](caf::ok_atom) {}, [](const caf::error&) {});
  for (auto h : {caf::actor_cast<caf::actor>(actors_.writer),
                 caf::actor_cast<caf::actor>(actors_.readers),
                 caf::actor_cast<caf::actor>(actors_.replay),
                 caf::actor_cast<caf::actor>(actors_.passwords)})
    self->send_exit(h, caf::exit_reason::user_shutdown);
  if (actors_.nonces)
    self->send_exit(*actors_.nonces, caf::exit_reason::user_shutdown);
}

}  // namespace tessera
