#include "actors/password_hasher.hpp"

#include <caf/all.hpp>

#include <deque>
#include <functional>
#include <thread>
#include <vector>

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
      [=](atom::check, const std::string& pw, const std::string& stored) -> caf::result<bool> {
        try {
          if (stored.empty()) {
            password::verify(pw, password::decoy_hash(cost));
            return false;
          }
          return password::verify(pw, stored);
        } catch (const std::exception&) {  // the decoy's hash is made once, and may fail
          return make_error(ec::unavailable, "out of memory checking a password; retry later");
        }
      },
  };
}

/// Hands each job to an idle worker, or queues it (bounded).
struct pool_state {
  using job = std::function<void(password_actor worker)>;
  std::vector<password_actor> idle;
  std::deque<job> waiting;
  size_t queue_limit = 0;
  static inline const char* name = "password_pool";
};

using pool_pointer = password_actor::stateful_pointer<pool_state>;

/// Whether a job can be taken (a worker idle, or room in the queue). Asked
/// before making the response promise: once made, the handler's own return
/// value no longer reaches the caller.
bool has_room(const pool_state& st) {
  return !st.idle.empty() || st.waiting.size() < st.queue_limit;
}

/// Runs `j` now, or queues it (has_room said there is room).
void submit(pool_pointer self, pool_state::job j) {
  auto& st = self->state;
  if (st.idle.empty()) {
    st.waiting.push_back(std::move(j));
    return;
  }
  auto worker = st.idle.back();
  st.idle.pop_back();
  j(worker);
}

/// The worker is done: the next job waiting takes it.
void release(pool_pointer self, password_actor worker) {
  auto& st = self->state;
  if (st.waiting.empty()) {
    st.idle.push_back(worker);
    return;
  }
  auto next = std::move(st.waiting.front());
  st.waiting.pop_front();
  next(worker);
}

/// Asks `worker` and delivers its answer to `rp`, then frees the worker.
template <class R, class... Ts>
pool_state::job relay(pool_pointer self, caf::typed_response_promise<R> rp, Ts... xs) {
  return [=](password_actor worker) mutable {
    self->request(worker, caf::infinite, xs...)
        .then(
            [=](R& answer) mutable {
              rp.deliver(std::move(answer));
              release(self, worker);
            },
            [=](caf::error& err) mutable {
              rp.deliver(std::move(err));
              release(self, worker);
            });
  };
}

caf::error busy() {
  return make_error(ec::unavailable,
                    "too many passwords are being checked (user_auth.password_queue); retry in a "
                    "second");
}

password_actor::behavior_type pool(pool_pointer self, std::vector<password_actor> workers,
                                   size_t queue_limit) {
  self->state.idle = std::move(workers);
  self->state.queue_limit = queue_limit;
  // The workers end with the pool.
  for (const auto& w : self->state.idle)
    self->link_to(w);
  return {
      [=](atom::hash, std::string& pw) -> caf::result<std::string> {
        if (!has_room(self->state))
          return busy();
        auto rp = self->make_response_promise<std::string>();
        submit(self, relay(self, rp, atom::hash::value, std::move(pw)));
        return rp;
      },
      [=](atom::check, std::string& pw, std::string& stored) -> caf::result<bool> {
        if (!has_room(self->state))
          return busy();
        auto rp = self->make_response_promise<bool>();
        submit(self, relay(self, rp, atom::check::value, std::move(pw), std::move(stored)));
        return rp;
      },
  };
}

}  // namespace

int password_workers(const config::user_auth_settings& s) {
  if (s.password_workers > 0)
    return s.password_workers;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / 2);
}

password_actor spawn_password_hashers(caf::actor_system& sys,
                                      const config::user_auth_settings& s) {
  password::cost cost{static_cast<unsigned long long>(s.password_hash_ops), s.password_hash_memory};
  std::vector<password_actor> workers;
  for (int i = 0; i < password_workers(s); ++i)
    workers.push_back(sys.spawn<caf::detached>(hasher, cost));
  return sys.spawn(pool, std::move(workers), static_cast<size_t>(s.password_queue));
}

}  // namespace tessera
