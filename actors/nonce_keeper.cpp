#include "actors/nonce_keeper.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "actors/clock.hpp"
#include "actors/errors.hpp"

namespace tessera {

namespace {

// Rows past the window are dropped this often (seconds); until then a claim
// of the same pair takes an expired row over anyway.
constexpr int64_t cleanup_every = 60;

void claim_pending(nonce_keeper_state& st) {
  st.commit_scheduled = false;
  while (!st.pending.empty()) {
    auto n = std::min(st.pending.size(), nonce_batch);
    std::vector<nonce_keeper_state::waiting> batch(std::make_move_iterator(st.pending.begin()),
                                                   std::make_move_iterator(st.pending.begin() + n));
    st.pending.erase(st.pending.begin(), st.pending.begin() + n);
    std::vector<storage::nonce_claim> claims;
    claims.reserve(n);
    for (const auto& w : batch)
      claims.push_back(w.claim);
    auto now = now_ms() / 1000;
    std::string why;
    auto fresh = st.store->claim(claims, now, why);
    if (!fresh) {
      if (st.healthy)
        spdlog::error("the shared replay window can't be reached: {}", why);
      st.healthy = false;
      // Everything waiting fails now, not a connect timeout per batch.
      for (auto& w : st.pending)
        batch.push_back(std::move(w));
      st.pending.clear();
      for (auto& w : batch)
        w.promise.deliver(make_error(ec::unavailable,
                                     "the replay window shared by the nodes can't be reached; "
                                     "retry later"));
      return;
    }
    if (!st.healthy)
      spdlog::info("the shared replay window is reachable again");
    st.healthy = true;
    st.batches += 1;
    st.largest_batch = std::max(st.largest_batch, n);
    for (size_t i = 0; i < n; ++i) {
      st.claims += 1;
      st.replays += (*fresh)[i] ? 0 : 1;
      batch[i].promise.deliver(static_cast<bool>((*fresh)[i]));
    }
    if (now - st.last_cleanup >= cleanup_every) {
      st.last_cleanup = now;
      st.store->drop_expired(now);
    }
  }
}

}  // namespace

nonce_keeper_actor::behavior_type nonce_keeper(
    nonce_keeper_actor::stateful_pointer<nonce_keeper_state> self,
    std::unique_ptr<storage::nonce_store> store) {
  self->state.store = std::move(store);
  self->state.last_cleanup = now_ms() / 1000;
  return {
      [=](atom::check, std::string& pair, int64_t expires_at) -> caf::result<bool> {
        auto& st = self->state;
        if (st.pending.size() >= nonce_pending_max)
          return make_error(ec::unavailable, "too many signed requests in flight; retry later");
        auto rp = self->make_response_promise<bool>();
        st.pending.push_back({{std::move(pair), expires_at}, rp});
        // Everything that reaches the mailbox before the commit message
        // joins the same batch.
        if (!st.commit_scheduled) {
          st.commit_scheduled = true;
          self->send(self, atom::commit::value);
        }
        return rp;
      },
      [=](atom::commit) { claim_pending(self->state); },
      [=](atom::status) -> std::string {
        auto& st = self->state;
        return nlohmann::json{{"state", st.healthy ? "ok" : "down"},
                              {"batches", st.batches},
                              {"claims", st.claims},
                              {"replays", st.replays},
                              {"largest_batch", st.largest_batch},
                              {"pending", st.pending.size()}}
            .dump();
      },
  };
}

}  // namespace tessera
