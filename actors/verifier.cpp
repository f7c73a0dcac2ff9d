#include "actors/verifier.hpp"

#include <memory>
#include <nlohmann/json.hpp>

#include "actors/clock.hpp"
#include "actors/errors.hpp"
#include "config/duration.hpp"
#include "net/outbound_client.hpp"
#include "protocol/ip_address.hpp"
#include "protocol/verify_challenge.hpp"

namespace tessera {

namespace {

using verifier_self = verifier_actor::stateful_pointer<verifier_state>;

// Past this many remembered attempts, those older than min_interval are
// forgotten: they no longer hold anyone back.
constexpr size_t prune_threshold = 4096;
// The worker's own deadline is verifier.timeout, except for a name lookup
// that overruns it (getaddrinfo can't be cancelled); past this grace the
// verifier stops waiting.
constexpr config::millis lookup_grace{5'000};

/// One outbound GET in a detached actor of its own, so the blocking request
/// never holds a scheduler thread; it answers the body (or why there is none)
/// and ends.
using fetch_worker_actor =
    caf::typed_actor<caf::replies_to<atom::fetch, std::string>::with<std::string>>;

fetch_worker_actor::behavior_type fetch_worker(fetch_worker_actor::pointer self,
                                               net::outbound::fetch_limits limits,
                                               std::vector<ip_address::range> allow) {
  return {
      [=](atom::fetch, const std::string& url) -> caf::result<std::string> {
        self->quit();
        auto got = net::outbound::fetch(url, limits, allow);
        // Which address a name resolved to, or whether it resolved at all,
        // stays inside: telling them apart would let anyone map the server's
        // internal DNS through card urls.
        if (got.error == net::outbound::error_code::address_blocked ||
            got.error == net::outbound::error_code::resolve_failed)
          return make_error(ec::verification_failed,
                            "the endpoint's host has no address outbound requests may reach (it "
                            "does not resolve, or resolves to a loopback, private, link-local or "
                            "reserved address; see security.allow_cidrs)");
        if (!got.ok())
          return make_error(ec::verification_failed, got.error_message);
        return std::move(got.body);
      },
  };
}

/// What every step needs, shared by the verifier's handlers.
struct deps {
  verifier_config cfg;
  std::vector<ip_address::range> allow;
  reader_actor readers;
  persistence_actor writer;
  reputation_actor reputation;
  audit_log_actor audit;
};
using deps_ptr = std::shared_ptr<const deps>;

using attempt = verify_attempt;
using attempt_ptr = std::shared_ptr<attempt>;

// A party holds at most this many workers, and waits with at most this many.
constexpr int workers_per_party = 1;
constexpr size_t waiting_per_party = 4;

/// How long `id` must still wait before its next attempt, 0 if it need not.
int64_t wait_before_next(const verifier_state& st, const std::string& id, int64_t now,
                         int64_t min_interval) {
  auto it = st.last_attempt.find(id);
  if (it == st.last_attempt.end() || now - it->second >= min_interval)
    return 0;
  return min_interval - (now - it->second);
}

void stamp_attempt(verifier_state& st, const std::string& id, int64_t now, int64_t min_interval) {
  if (st.last_attempt.size() >= prune_threshold)
    std::erase_if(st.last_attempt,
                  [&](const auto& entry) { return now - entry.second >= min_interval; });
  st.last_attempt[id] = now;
}

void send_audit(verifier_self self, const deps& d, const attempt& at, bool passed,
                const std::string& reason) {
  nlohmann::json detail{{"url", at.url}};
  if (!passed)
    detail["reason"] = reason;
  audit_entry e;
  e.action = passed ? "agent_verified" : "agent_verification_failed";
  e.actor = at.actor;
  e.target = at.agent_id;
  e.remote = at.remote;
  e.detail = detail.dump();
  self->send(d.audit, std::move(e));
}

/// Stores the outcome (only while the card still has the url that was
/// checked), credits it, audits it and answers.
void conclude(verifier_self self, deps_ptr d, attempt_ptr at, std::string reason) {
  bool passed = reason.empty();
  auto now = now_ms();
  int64_t verified_at = passed ? now : 0;
  write_op op;
  op.kind = write_op::set_verified;
  op.agent.id = at->agent_id;
  op.agent.verified = passed;
  op.agent.verified_at = verified_at;
  op.key = at->url;
  self->request(d->writer, d->cfg.timeout, atom::write::value, std::move(op))
      .then(
          [=](caf::ok_atom) {
            self->state.running.erase(at->agent_id);
            // A repeated pass is not credited (reputation::apply says why).
            self->send(d->reputation, atom::credit::value, at->agent_id,
                       std::string(passed ? "verification_passed" : "verification_failed"), now);
            send_audit(self, *d, *at, passed, reason);
            ++(passed ? self->state.passed : self->state.failed);
            at->rp.deliver(verify_result{at->agent_id, passed, reason, at->url, verified_at});
          },
          [=](const caf::error& err) {
            self->state.running.erase(at->agent_id);
            auto p = to_problem(err);
            if (p.code != ec::conflict) {
              at->rp.deliver(err);
              return;
            }
            // The card moved to another url meanwhile: this outcome is about
            // a url the agent no longer claims, so it is not stored or
            // credited, only reported.
            send_audit(self, *d, *at, false, p.message);
            ++self->state.failed;
            at->rp.deliver(verify_result{at->agent_id, false, p.message, at->url, 0});
          });
}

void challenge(verifier_self self, deps_ptr d, attempt_ptr at, const agent_record& agent);

/// Starts waiting verifications while workers are free, a party at a time
/// in turn; one that waited past verifier.timeout is dropped (its caller has
/// given up by then).
void dispatch(verifier_self self, deps_ptr d) {
  auto& st = self->state;
  size_t skipped = 0;  // parties at their cap, passed over this round
  while (st.workers_busy < d->cfg.settings.workers && skipped < st.turns.size()) {
    auto party = st.turns.front();
    st.turns.pop_front();
    if (st.party_busy[party] >= workers_per_party) {
      st.turns.push_back(party);
      ++skipped;
      continue;
    }
    skipped = 0;
    auto& queue = st.queues[party];
    auto next = std::move(queue.front());
    queue.pop_front();
    --st.queued;
    if (queue.empty())
      st.queues.erase(party);
    else
      st.turns.push_back(party);
    if (now_ms() - next.since > d->cfg.settings.timeout.count()) {
      st.running.erase(next.attempt->agent_id);
      next.attempt->rp.deliver(make_error(
          ec::unavailable, "the verification waited too long for a worker; try again"));
      continue;
    }
    ++st.workers_busy;
    ++st.party_busy[party];
    challenge(self, d, next.attempt, next.agent);
  }
  std::erase_if(st.party_busy, [](const auto& p) { return p.second <= 0; });
}

/// The attempt's worker is free again: the next in turn may go.
void release(verifier_self self, deps_ptr d, const attempt& at) {
  auto& st = self->state;
  --st.workers_busy;
  --st.party_busy[at.party];
  dispatch(self, d);
}

/// The agent is loaded: start at once if a worker is free and the party has
/// none, else wait in the party's queue (bounded).
void admit(verifier_self self, deps_ptr d, attempt_ptr at, const agent_record& agent) {
  auto& st = self->state;
  at->party = agent.owner_id.empty() ? "address:" + ip_address::client_key(at->remote)
                                      : "user:" + agent.owner_id;
  auto& queue = st.queues[at->party];
  // The queue bounds only what would wait: a free worker for a party that
  // holds none starts at once, whatever waits for other parties.
  auto busy_here = st.party_busy.find(at->party);
  bool starts_now = st.workers_busy < d->cfg.settings.workers && queue.empty() &&
                    (busy_here == st.party_busy.end() || busy_here->second < workers_per_party);
  if (!starts_now && (queue.size() >= waiting_per_party ||
                      st.queued >= static_cast<size_t>(d->cfg.settings.queue_size))) {
    if (queue.empty())
      st.queues.erase(at->party);
    st.running.erase(at->agent_id);
    at->rp.deliver(make_error(ec::unavailable,
                              "too many verifications are waiting for a worker (verifier.workers "
                              "are busy); try again shortly"));
    return;
  }
  if (queue.empty())
    st.turns.push_back(at->party);
  queue.push_back({at, agent, now_ms()});
  ++st.queued;
  dispatch(self, d);
}

/// The worker answered (or didn't): the nonce must be live and unused, the
/// answer valid.
void judge(verifier_self self, deps_ptr d, attempt_ptr at, const std::string& nonce,
           const std::string* body, std::string failure) {
  auto& st = self->state;
  release(self, d, *at);
  auto it = st.challenges.find(nonce);
  std::string reason = std::move(failure);
  if (it == st.challenges.end()) {
    if (reason.empty())
      reason = "the challenge was already used";
  } else {
    bool expired = now_ms() > it->second.expires_at;
    st.challenges.erase(it);  // consumed, whatever the answer
    if (reason.empty() && expired)
      reason = "the endpoint answered after the challenge expired (verifier.nonce_ttl is " +
               config::format_duration(d->cfg.settings.nonce_ttl) + ")";
  }
  if (reason.empty())
    reason = verify_challenge::check_answer(*body, at->agent_id, nonce);
  conclude(self, d, at, std::move(reason));
}

/// The agent is loaded: mint the nonce and send the challenge.
void challenge(verifier_self self, deps_ptr d, attempt_ptr at, const agent_record& agent) {
  auto& st = self->state;
  auto give_up = [&](std::string message) {
    st.running.erase(at->agent_id);
    at->rp.deliver(make_error(ec::invalid_request, std::move(message)));
    release(self, d, *at);
  };
  if (agent.url.empty())
    return give_up("the agent's card has no url to verify; update the card with one");
  auto endpoint = verify_challenge::endpoint_of(agent.url);
  if (!endpoint)
    return give_up("the agent's card url has a query or a fragment, so " +
                   std::string(verify_challenge::well_known_path) +
                   " can't be put under it; update the card with a plain url");
  at->url = agent.url;
  auto now = now_ms();
  stamp_attempt(st, at->agent_id, now, d->cfg.settings.min_interval.count());
  auto nonce = verify_challenge::make_nonce();
  st.challenges[nonce] = {at->agent_id, now + d->cfg.settings.nonce_ttl.count()};
  net::outbound::fetch_limits limits{d->cfg.settings.timeout, d->cfg.settings.max_response};
  auto worker = self->spawn<caf::detached>(fetch_worker, limits, d->allow);
  self->request(worker, d->cfg.settings.timeout + lookup_grace, atom::fetch::value,
                verify_challenge::request_url(*endpoint, nonce))
      .then([=](const std::string& body) { judge(self, d, at, nonce, &body, ""); },
            [=](const caf::error& err) {
              auto p = to_problem(err);
              auto why = p.code == ec::verification_failed
                             ? p.message
                             : "the request to the endpoint did not complete (" + p.message + ")";
              judge(self, d, at, nonce, nullptr, std::move(why));
            });
}

}  // namespace

verifier_actor::behavior_type verifier(verifier_actor::stateful_pointer<verifier_state> self,
                                       verifier_config cfg, reader_actor readers,
                                       persistence_actor writer, reputation_actor reputation,
                                       audit_log_actor audit) {
  auto allow = net::outbound::allowed_ranges(cfg.allow_cidrs);
  auto d = std::make_shared<const deps>(
      deps{std::move(cfg), std::move(allow), readers, writer, reputation, audit});
  return {
      [=](atom::verify, const std::string& id, const std::string& actor,
          const std::string& remote) -> caf::result<verify_result> {
        auto& st = self->state;
        const auto& settings = d->cfg.settings;
        if (st.running.count(id))
          return make_error(ec::conflict, "a verification of agent " + id +
                                              " is running; wait for its outcome");
        if (auto wait = wait_before_next(st, id, now_ms(), settings.min_interval.count()))
          return make_error(ec::rate_limited,
                            "agent " + id + " was verified less than " +
                                config::format_duration(settings.min_interval) +
                                " ago (verifier.min_interval); try again in " +
                                std::to_string((wait + 999) / 1000) + " s");
        // Held until the outcome is known.
        st.running.insert(id);
        auto at = std::make_shared<attempt>();
        at->agent_id = id;
        at->actor = actor;
        at->remote = remote;
        at->rp = self->make_response_promise<verify_result>();
        self->request(d->readers, d->cfg.timeout, atom::get::value, id)
            .then([=](const agent_record& agent) { admit(self, d, at, agent); },
                  [=](const caf::error& err) {
                    self->state.running.erase(id);
                    at->rp.deliver(err);
                  });
        return at->rp;
      },
      [=](atom::status) -> std::string {
        const auto& st = self->state;
        nlohmann::json j{{"running", st.running.size()},
                         {"challenges", st.challenges.size()},
                         {"workers_busy", st.workers_busy},
                         {"waiting", st.queued},
                         {"workers", d->cfg.settings.workers},
                         {"passed", st.passed},
                         {"failed", st.failed}};
        return j.dump();
      },
  };
}

}  // namespace tessera
