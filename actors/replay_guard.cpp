#include "actors/replay_guard.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "actors/clock.hpp"
#include "actors/errors.hpp"

namespace tessera {

namespace {

caf::error already_used() {
  return make_error(ec::invalid_signature,
                    "this signature nonce was already used; sign each request anew");
}

}  // namespace

replay_guard_actor::behavior_type replay_guard(
    replay_guard_actor::stateful_pointer<replay_guard_state> self, replay_guard_config cfg) {
  self->state.window = std::make_unique<replay_window>(cfg.window_seconds, cfg.not_before,
                                                       cfg.capacity, cfg.per_key);
  // A key registers once, after a few corrected attempts at most: a small
  // quota; the pool is a tenth of the other.
  self->state.registering = std::make_unique<replay_window>(
      cfg.window_seconds, cfg.not_before, std::max<size_t>(cfg.capacity / 10, 16), 64);
  return {
      [=](atom::check, const std::string& key_id, const std::string& nonce, int64_t created,
          bool registering) -> caf::result<caf::ok_atom> {
        auto& st = self->state;
        auto& window = registering ? *st.registering : *st.window;
        auto verdict = window.check(key_id, nonce, created, now_ms() / 1000);
        if (verdict == replay_window::verdict::fresh && !cfg.shared) {
          st.accepted += 1;
          return caf::ok_atom::value;
        }
        if (verdict == replay_window::verdict::fresh) {
          // Fresh here; the other nodes may have seen it.
          auto rp = self->make_response_promise<caf::ok_atom>();
          self->request(*cfg.shared, cfg.timeout, atom::check::value,
                        replay_window::pair_hex(key_id, nonce), created + cfg.window_seconds)
              .then(
                  [=](bool fresh) mutable {
                    auto& st = self->state;
                    if (fresh) {
                      st.accepted += 1;
                      rp.deliver(caf::ok_atom::value);
                      return;
                    }
                    st.rejected += 1;
                    st.shared_replays += 1;
                    rp.deliver(already_used());
                  },
                  [=](caf::error& err) mutable {
                    self->state.rejected += 1;
                    rp.deliver(std::move(err));
                  });
          return rp;
        }
        st.rejected += 1;
        switch (verdict) {
          case replay_window::verdict::replayed:
            return already_used();
          case replay_window::verdict::too_old:
            return make_error(ec::invalid_signature,
                              "signature created before the server started; sign the request again");
          case replay_window::verdict::key_quota:
            return make_error(ec::rate_limited,
                              "this key signed too many requests within the signature window; "
                              "retry later");
          default:
            return make_error(ec::unavailable,
                              registering ? "too many registrations in flight; retry later"
                                          : "too many signed requests in flight; retry later");
        }
      },
      [=](atom::status) -> std::string {
        auto& st = self->state;
        return nlohmann::json{{"nonces", st.window->size()},
                              {"registration_nonces", st.registering->size()},
                              {"shared", cfg.shared.has_value()},
                              {"shared_replays", st.shared_replays},
                              {"accepted", st.accepted},
                              {"rejected", st.rejected}}
            .dump();
      },
  };
}

}  // namespace tessera
