#pragma once
// Spawns every actor of one Tessera process from its settings, and stops them
// in order: the reputation engine and the registry first (no new writes), then the audit log (its queued
// entries reach the writer), then the writer after a flush.
#include <caf/all.hpp>

#include <optional>
#include <string>

#include "actors/interfaces.hpp"
#include "protocol/bridge/node_identity.hpp"
#include "config/settings.hpp"

namespace tessera {

struct node_actors {
  persistence_actor writer;
  reader_actor readers;
  registry_actor registry;
  replay_guard_actor replay;
  std::optional<nonce_keeper_actor> nonces;  // the shared replay window, if auth.replay_store has one
  audit_log_actor audit;
  reputation_actor reputation;
  verifier_actor verifier;
  broker_actor broker;          // spawned before the hub, which subscribes to it
  signaling_hub_actor hub;
  watch_actor watch;            // registry events for SSE watchers
  password_actor passwords;     // Argon2id off the I/O threads
  bridge_actor bridge;          // MCP sessions through the gateway
  std::shared_ptr<const bridge::node_identity> identity;  // signs the bridge's outbound calls
  std::string node_id;          // signaling.node_id, or the random one chosen at start
};

/// Where the replay window lives: auth.replay_store, or for "auto" Redis when
/// signaling.broker is redis, the database when it is PostgreSQL (shared by
/// the nodes), else "memory" (this process only).
std::string replay_store_of(const config::settings& s);

class node {
public:
  /// Opens the database, applies migrations and spawns the actors. Throws
  /// std::runtime_error naming the problem when the database can't be used.
  node(caf::actor_system& sys, const config::settings& s);
  ~node();
  node(const node&) = delete;
  node& operator=(const node&) = delete;

  const node_actors& actors() const { return actors_; }
  int schema_version() const { return schema_version_; }

  /// Waits for every accepted write to commit, then stops all actors.
  void shutdown();

private:
  caf::actor_system& sys_;
  node_actors actors_;
  int schema_version_ = 0;
  bool stopped_ = false;
};

}  // namespace tessera
