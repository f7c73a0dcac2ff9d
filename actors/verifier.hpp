#pragma once
// Endpoint verification: proves that the service at an agent's card url holds
// the agent's key. For each `verify` the verifier mints a single-use nonce
// (good for verifier.nonce_ttl), has a detached worker GET
// {url}/.well-known/tessera-verify?challenge=<nonce> through the SSRF-safe
// outbound client, and checks the answer (protocol/verify_challenge.hpp).
// Pass and fail are stored (write_op::set_verified), credited to the agent's
// reputation and written to the audit log.
#include "actors/interfaces.hpp"
#include "config/settings.hpp"

namespace tessera {

struct verifier_config {
  config::verifier_settings settings;
  std::vector<std::string> allow_cidrs;  // security.allow_cidrs
  config::millis timeout{10'000};        // for the readers and the writer
};

struct verifier_state {
  static inline const char* name = "verifier";
};

verifier_actor::behavior_type verifier(verifier_actor::stateful_pointer<verifier_state> self,
                                       verifier_config cfg, reader_actor readers,
                                       persistence_actor writer, reputation_actor reputation,
                                       audit_log_actor audit);

}  // namespace tessera
