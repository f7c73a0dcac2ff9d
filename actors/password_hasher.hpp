#pragma once
// Argon2id off the I/O threads: a pool of detached actors that hash new
// passwords and check given ones (protocol/password). Each takes tens of
// milliseconds and user_auth.password_hash_memory of memory; the pool has
// one worker per core, so at most that many run at once and the rest queue.
#include <caf/fwd.hpp>

#include "actors/interfaces.hpp"
#include "config/settings.hpp"

namespace tessera {

/// `cost` is user_auth's; the pool answers `hash` (the stored form) and
/// `check` (password, stored form; "" checks against a decoy and answers false,
/// so an unknown account costs what a wrong password does).
password_actor spawn_password_hashers(caf::actor_system& sys,
                                      const config::user_auth_settings& cost);

}  // namespace tessera
