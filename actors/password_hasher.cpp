#include "actors/password_hasher.hpp"

#include <caf/all.hpp>

#include <thread>

#include "actors/errors.hpp"
#include "protocol/password.hpp"

namespace tessera {

namespace {

password_actor::behavior_type hasher(password_actor::pointer self, password::cost cost) {
  return {
      [=](atom::hash, const std::string& pw) -> caf::result<std::string> {
        try {
          return password::hash(pw, cost);
        } catch (const std::exception&) {
          return make_error(ec::unavailable, "out of memory hashing a password; retry later");
        }
      },
      [=](atom::check, const std::string& pw, const std::string& stored) -> bool {
        if (stored.empty()) {
          password::verify(pw, password::decoy_hash(cost));
          return false;
        }
        return password::verify(pw, stored);
      },
  };
}

}  // namespace

password_actor spawn_password_hashers(caf::actor_system& sys,
                                      const config::user_auth_settings& s) {
  password::cost cost{static_cast<unsigned long long>(s.password_hash_ops), s.password_hash_memory};
  auto workers = std::max(1u, std::thread::hardware_concurrency());
  auto factory = [&sys, cost] {
    return caf::actor_cast<caf::actor>(sys.spawn<caf::detached>(hasher, cost));
  };
  auto pool = caf::actor_pool::make(sys.dummy_execution_unit(), workers, factory,
                                    caf::actor_pool::round_robin());
  return caf::actor_cast<password_actor>(pool);
}

}  // namespace tessera
