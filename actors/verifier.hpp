#pragma once
// Endpoint verification: proves that the service at an agent's card url holds
// the agent's key. For each `verify` the verifier mints a single-use nonce
// (good for verifier.nonce_ttl), has a detached worker GET
// {url}/.well-known/tessera-verify?challenge=<nonce> through the SSRF-safe
// outbound client, and checks the answer (protocol/verify_challenge.hpp).
// Pass and fail are stored (write_op::set_verified), credited to the agent's
// reputation and written to the audit log.
//
// Per agent, one verification runs at a time (else conflict) and attempts are
// at least verifier.min_interval apart (else rate_limited), so nobody can use
// the server to hammer an endpoint. At most verifier.workers requests are out
// at once, and one per party: the agent's owner, or for an agent without one
// the address that asked. The others wait in their party's queue (at most
// four, and verifier.queue_size in all, else unavailable), and a freed worker
// takes the next party in turn: slow endpoints of one party (or of several)
// can't keep another party's verification from running. The verifier itself
// never blocks: the request runs in a detached worker that answers and ends.
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actors/interfaces.hpp"
#include "config/settings.hpp"

namespace tessera {

struct verifier_config {
  config::verifier_settings settings;
  std::vector<std::string> allow_cidrs;  // security.allow_cidrs
  config::millis timeout{10'000};        // for the readers and the writer
};

/// One verification from request to answer.
struct verify_attempt {
  std::string agent_id;
  std::string actor;   // who asked, for the audit log
  std::string remote;  // from where
  std::string party;   // whose turn it takes: "user:<owner>" or "address:<client>"
  std::string url;     // the card's url when the challenge was sent
  caf::typed_response_promise<verify_result> rp;
};

struct verifier_state {
  struct challenge {
    std::string agent_id;
    int64_t expires_at = 0;  // ms since the epoch
  };
  // Nonces sent and not yet answered; an answer consumes its nonce.
  std::unordered_map<std::string, challenge> challenges;
  std::unordered_set<std::string> running;                // agent ids being verified or waiting
  std::unordered_map<std::string, int64_t> last_attempt;  // agent id -> ms; pruned as it grows
  int workers_busy = 0;
  // Fair queueing: verifications waiting, per party, and the parties in turn.
  struct waiting {
    std::shared_ptr<struct verify_attempt> attempt;
    agent_record agent;
    int64_t since = 0;  // ms
  };
  std::unordered_map<std::string, std::deque<waiting>> queues;
  std::deque<std::string> turns;                   // parties with something waiting
  std::unordered_map<std::string, int> party_busy;  // workers held, per party
  size_t queued = 0;
  uint64_t passed = 0;
  uint64_t failed = 0;
  static inline const char* name = "verifier";
};

verifier_actor::behavior_type verifier(verifier_actor::stateful_pointer<verifier_state> self,
                                       verifier_config cfg, reader_actor readers,
                                       persistence_actor writer, reputation_actor reputation,
                                       audit_log_actor audit);

}  // namespace tessera
