#pragma once
// Argon2id off the I/O threads: a pool of detached actors that hash new
// passwords and check given ones (protocol/password). Each takes tens of
// milliseconds and user_auth.password_hash_memory of memory. The pool has
// user_auth.password_workers (by default half the cores, at least one, so a
// flood of sign-ups leaves the other routes a core), and at most
// user_auth.password_queue jobs wait for one; past that the pool answers
// unavailable at once (503 with Retry-After).
#include <caf/fwd.hpp>

#include "actors/interfaces.hpp"
#include "config/settings.hpp"

namespace tessera {

/// `cost` is user_auth's; the pool answers `hash` (the stored form) and
/// `check` (password, stored form; "" checks against a decoy and answers false,
/// so an unknown account costs what a wrong password does).
/// How many workers user_auth asks for (0: half the cores, at least one).
int password_workers(const config::user_auth_settings& s);

password_actor spawn_password_hashers(caf::actor_system& sys,
                                      const config::user_auth_settings& cost);

}  // namespace tessera
