// The `redis` broker; the design and the Redis layout are in actors/broker.hpp.
//
// A detached actor owns the command connection (routes, presence,
// announcements); a thread owned by its state reads the subscription and
// tells the hub directly what arrives. The actor is "degraded" whenever either
// connection is down; it then undelivers every route at once and retries with
// exponential backoff, and once both are back it re-announces every local
// agent.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <unordered_set>

#include "actors/broker.hpp"
#include "storage/redis_client.hpp"

namespace tessera {

namespace redis_broker_impl {
namespace {

using namespace std::chrono_literals;

// Small, so a route never waits long on a Redis that is gone.
constexpr std::chrono::milliseconds connect_timeout = 200ms;
constexpr std::chrono::milliseconds backoff_first = 100ms;
constexpr std::chrono::milliseconds backoff_max = 5'000ms;
// How often the subscription thread looks up from its socket to see whether
// it should stop.
constexpr std::chrono::milliseconds read_slice = 200ms;
// Keys or messages per script call when every local agent is refreshed or
// announced: one round trip per batch instead of one per agent.
constexpr size_t batch_size = 500;
// Contact changes kept while Redis is away, announced when it is back.
constexpr size_t max_pending_contacts = 10'000;

const std::string broadcast_channel = "tessera:broadcast";

std::string presence_key(const std::string& agent_id) {
  return "tessera:presence:" + agent_id;
}

std::string node_channel(const std::string& node_id) {
  return "tessera:node:" + node_id;
}

// KEYS[1] presence key; ARGV[1] node channel prefix, ARGV[2] the envelope,
// ARGV[3] this node. 0 when the agent is connected nowhere else, or when its
// node has no subscriber any more (it went away before its keys expired).
const std::string route_script = R"lua(
local node = redis.call('GET', KEYS[1])
if not node or node == ARGV[3] then return 0 end
if redis.call('PUBLISH', ARGV[1] .. node, ARGV[2]) == 0 then return 0 end
return 1
)lua";

// KEYS presence keys; ARGV[1] this node, ARGV[2] TTL in ms. A key another
// node set meanwhile stays: the agent's newest connection is the one found.
const std::string refresh_script = R"lua(
local n = 0
for _, k in ipairs(KEYS) do
  local v = redis.call('GET', k)
  if not v or v == ARGV[1] then
    redis.call('SET', k, ARGV[1], 'PX', ARGV[2])
    n = n + 1
  end
end
return n
)lua";

// KEYS presence keys; ARGV[1] this node: deletes those that still name it.
const std::string release_script = R"lua(
local n = 0
for _, k in ipairs(KEYS) do
  if redis.call('GET', k) == ARGV[1] then
    n = n + redis.call('DEL', k)
  end
end
return n
)lua";

// ARGV[1] channel, ARGV[2..] messages.
const std::string publish_all_script = R"lua(
for i = 2, #ARGV do redis.call('PUBLISH', ARGV[1], ARGV[i]) end
return #ARGV - 1
)lua";

std::string announcement(const std::string& origin, const std::string& kind,
                         nlohmann::json fields) {
  fields["origin"] = origin;
  fields["kind"] = kind;
  return fields.dump();
}

/// 100 ms doubling to 5 s, each wait drawn from [half, full] so that nodes
/// that lost Redis together don't all knock at once.
class backoff {
public:
  std::chrono::milliseconds next() {
    auto full = current_;
    current_ = std::min(current_ * 2, backoff_max);
    std::uniform_int_distribution<int64_t> pick(full.count() / 2, full.count());
    return std::chrono::milliseconds(pick(rng_));
  }
  void reset() { current_ = backoff_first; }

private:
  std::chrono::milliseconds current_ = backoff_first;
  std::minstd_rand rng_{std::random_device{}()};
};

/// The subscription: a thread with its own connection, subscribed to this
/// node's channel and the broadcast one. It hands what arrives straight to
/// the hub and tells the broker (by address, so it never keeps it alive)
/// when the subscription comes up or goes down. Destroying it stops and
/// joins the thread (within a read slice or a connect timeout).
class subscriber {
public:
  subscriber(config::redis_settings redis, std::string node_id, signaling_hub_actor hub,
             caf::actor_addr broker)
      : redis_(std::move(redis)),
        node_id_(std::move(node_id)),
        hub_(std::move(hub)),
        broker_(std::move(broker)),
        thread_([this] { run(); }) {}

  ~subscriber() {
    {
      std::lock_guard<std::mutex> guard(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  subscriber(const subscriber&) = delete;
  subscriber& operator=(const subscriber&) = delete;

  uint64_t received() const { return received_.load(); }

private:
  bool stopping() {
    std::lock_guard<std::mutex> guard(mutex_);
    return stop_;
  }

  void pause(std::chrono::milliseconds d) {
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait_for(lock, d, [this] { return stop_; });
  }

  template <class... Ts>
  void tell_broker(Ts... xs) {
    if (auto broker = caf::actor_cast<caf::actor>(broker_))
      caf::anon_send(broker, xs...);
  }

  bool subscribe(storage::redis_client& conn) {
    auto r = conn.command({"SUBSCRIBE", node_channel(node_id_), broadcast_channel});
    if (r && r->kind == storage::redis_reply::array && !r->items.empty() &&
        r->items[0].text == "subscribe")
      return true;
    conn.disconnect();
    return false;
  }

  void run() {
    storage::redis_client conn(redis_);
    backoff retry;
    bool up = false;
    while (!stopping()) {
      if (!conn.connected()) {
        if (up) {
          up = false;
          tell_broker(atom::subscribe::value, false);
        }
        std::string why;
        if (!conn.connect(connect_timeout, why) || !subscribe(conn)) {
          pause(retry.next());
          continue;
        }
        retry.reset();
        up = true;
        tell_broker(atom::subscribe::value, true);
      }
      bool broken = false;
      if (auto msg = conn.next_message(read_slice, broken))
        dispatch(*msg);
    }
  }

  // ["message", channel, payload]; the subscribe confirmations are skipped.
  void dispatch(const storage::redis_reply& msg) {
    if (msg.kind != storage::redis_reply::array || msg.items.size() != 3 ||
        msg.items[0].text != "message")
      return;
    const auto& channel = msg.items[1].text;
    const auto& payload = msg.items[2].text;
    if (channel != broadcast_channel) {
      if (auto env = envelope_from_json(payload)) {
        received_ += 1;
        caf::anon_send(hub_, atom::remote::value, std::move(*env));
      }
      return;
    }
    auto j = nlohmann::json::parse(payload, nullptr, false);
    if (!j.is_object() || j.value("origin", "") == node_id_)
      return;  // our own announcement, echoed back
    auto kind = j.value("kind", "");
    if (kind == "online") {
      received_ += 1;
      caf::anon_send(hub_, atom::online::value, j.value("agent", ""));
    } else if (kind == "contacts") {
      received_ += 1;
      caf::anon_send(hub_, atom::remote::value, atom::contacts::value, j.value("a", ""),
                     j.value("b", ""));
    } else if (kind == "resync") {
      received_ += 1;
      tell_broker(atom::online::value);
    }
  }

  const config::redis_settings redis_;
  const std::string node_id_;
  const signaling_hub_actor hub_;
  const caf::actor_addr broker_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::atomic<uint64_t> received_{0};
  std::thread thread_;  // last: it starts once everything above is built
};

/// The broker's own messages on top of broker_actor: `check` retries the
/// command connection, `tick` refreshes presence; from the subscription
/// thread, (subscribe, up) and `online` (another node asks every node to
/// announce its agents again).
using redis_broker_actor =
    broker_actor::extend<caf::reacts_to<atom::check>, caf::reacts_to<atom::tick>,
                         caf::reacts_to<atom::subscribe, bool>, caf::reacts_to<atom::online>>;

struct redis_broker_state {
  // Not a handle first (see local_broker_state).
  uint64_t published = 0, undelivered = 0, reconnects = 0;
  std::string node_id;
  config::millis presence_ttl{0};
  std::unique_ptr<storage::redis_client> conn;
  std::unordered_set<std::string> attached;  // agents connected to this node
  std::deque<std::pair<std::string, std::string>> pending_contacts;  // while degraded
  signaling_hub_actor hub;
  bool subscribed = false;  // the subscription thread is connected
  bool degraded = true;     // until both connections are up
  bool retry_pending = false;
  backoff retry;
  std::unique_ptr<subscriber> sub;
  static inline const char* name = "broker_redis";

  ~redis_broker_state() {
    // The subscription first, so nothing more reaches the hub; then this
    // node's presence goes, so other nodes queue instead of publishing into
    // a channel nobody reads.
    sub.reset();
    if (conn && conn->connected())
      for_batches(std::vector<std::string>(attached.begin(), attached.end()),
                  [&](auto first, auto last) { run_keys(release_script, first, last, {node_id}); });
  }

  /// Runs `f(first, last)` over `ids` in batches of batch_size.
  template <class F>
  static void for_batches(const std::vector<std::string>& ids, F f) {
    for (size_t i = 0; i < ids.size(); i += batch_size)
      f(ids.begin() + i, ids.begin() + std::min(ids.size(), i + batch_size));
  }

  /// EVAL `script` with the presence keys of [first, last) and `args`.
  template <class It>
  std::optional<storage::redis_reply> run_keys(const std::string& script, It first, It last,
                                               std::vector<std::string> args) {
    std::vector<std::string> argv{"EVAL", script, std::to_string(last - first)};
    for (auto it = first; it != last; ++it)
      argv.push_back(presence_key(*it));
    for (auto& a : args)
      argv.push_back(std::move(a));
    return conn->command(argv);
  }
};

using redis_broker_self = redis_broker_actor::stateful_pointer<redis_broker_state>;

std::string ttl_ms(const redis_broker_state& st) {
  return std::to_string(st.presence_ttl.count());
}

void schedule_retry(redis_broker_self self) {
  auto& st = self->state;
  if (st.retry_pending)
    return;
  st.retry_pending = true;
  self->delayed_send(self, st.retry.next(), atom::check::value);
}

/// `online` for every local agent, so that other nodes deliver what they
/// queued for them. False if the connection broke on the way.
bool announce_all(redis_broker_state& st) {
  std::vector<std::string> ids(st.attached.begin(), st.attached.end());
  bool ok = true;
  redis_broker_state::for_batches(ids, [&](auto first, auto last) {
    if (!ok || !st.conn->connected())
      return;
    std::vector<std::string> argv{"EVAL", publish_all_script, "0", broadcast_channel};
    for (auto it = first; it != last; ++it)
      argv.push_back(announcement(st.node_id, "online", {{"agent", *it}}));
    ok = st.conn->command(argv).has_value();
    if (ok)
      st.published += static_cast<uint64_t>(last - first);
  });
  return ok && st.conn->connected();
}

/// Back after an outage: presence for every local agent, `online` for each,
/// the contact changes held back, and `resync`, which makes every other node
/// announce its agents too: a node that came back earlier announced them
/// while this one wasn't listening. False if the connection broke on the way.
bool reannounce(redis_broker_self self) {
  auto& st = self->state;
  std::vector<std::string> ids(st.attached.begin(), st.attached.end());
  bool ok = true;
  redis_broker_state::for_batches(ids, [&](auto first, auto last) {
    if (ok && st.conn->connected())
      ok = st.run_keys(refresh_script, first, last, {st.node_id, ttl_ms(st)}).has_value();
  });
  ok = ok && announce_all(st);
  while (ok && !st.pending_contacts.empty()) {
    auto& [a, b] = st.pending_contacts.front();
    ok = st.conn->command({"PUBLISH", broadcast_channel,
                           announcement(st.node_id, "contacts", {{"a", a}, {"b", b}})})
             .has_value();
    if (ok) {
      st.published += 1;
      st.pending_contacts.pop_front();
    }
  }
  auto resync = announcement(st.node_id, "resync", {});
  if (ok && st.conn->command({"PUBLISH", broadcast_channel, resync}))
    st.published += 1;
  return ok && st.conn->connected();
}

/// Moves between "ok" and "degraded" after either connection changed.
void update(redis_broker_self self) {
  auto& st = self->state;
  bool up = st.conn->connected() && st.subscribed;
  if (up && st.degraded) {
    if (!reannounce(self)) {
      schedule_retry(self);  // it broke again on the way
      return;
    }
    st.degraded = false;
    spdlog::info("signaling broker connected to Redis node={} agents={}", st.node_id,
                 st.attached.size());
  } else if (!up && !st.degraded) {
    st.degraded = true;
    spdlog::warn("signaling broker lost Redis node={}: degraded, local delivery only",
                 st.node_id);
  }
}

/// A command on the command connection; nullopt when it is down or just
/// broke (then a reconnect is on its way). Error replies come back as such.
std::optional<storage::redis_reply> run(redis_broker_self self,
                                        const std::vector<std::string>& argv) {
  auto& st = self->state;
  if (!st.conn->connected())
    return std::nullopt;
  auto r = st.conn->command(argv);
  if (!r) {
    update(self);
    schedule_retry(self);
  }
  return r;
}

void undeliver(redis_broker_self self, signal_envelope e) {
  auto& st = self->state;
  st.undelivered += 1;
  if (st.hub)
    self->send(st.hub, atom::undeliver::value, std::move(e));
}

bool try_connect(redis_broker_self self) {
  auto& st = self->state;
  std::string why;
  if (st.conn->connect(connect_timeout, why)) {
    st.retry.reset();
    update(self);
    return true;
  }
  spdlog::debug("signaling broker cannot reach Redis node={}: {}", st.node_id, why);
  schedule_retry(self);
  return false;
}

void refresh(redis_broker_self self) {
  auto& st = self->state;
  std::vector<std::string> ids(st.attached.begin(), st.attached.end());
  redis_broker_state::for_batches(ids, [&](auto first, auto last) {
    if (!st.conn->connected())
      return;
    if (!st.run_keys(refresh_script, first, last, {st.node_id, ttl_ms(st)})) {
      update(self);
      schedule_retry(self);
    }
  });
}

redis_broker_actor::behavior_type redis_broker(redis_broker_self self, config::millis presence_ttl,
                                               config::redis_settings redis, std::string node_id) {
  auto& st = self->state;
  st.node_id = std::move(node_id);
  st.presence_ttl = presence_ttl;
  st.conn = std::make_unique<storage::redis_client>(redis);
  auto refresh_every = std::max<config::millis>(presence_ttl / 3, config::millis{10});
  try_connect(self);
  self->delayed_send(self, refresh_every, atom::tick::value);
  return {
      [=](atom::subscribe, signaling_hub_actor hub) {
        auto& st = self->state;
        st.sub.reset();
        st.subscribed = false;
        st.hub = hub;
        st.sub = std::make_unique<subscriber>(redis, st.node_id, std::move(hub), self->address());
        update(self);
      },
      [=](atom::subscribe, bool up) {
        auto& st = self->state;
        st.subscribed = up;
        // The subscription broke: the command connection most likely did
        // too, and finding out now spares a failed route later.
        if (!up)
          run(self, {"PING"});
        update(self);
      },
      [=](atom::online) {
        if (!self->state.degraded && !announce_all(self->state)) {
          update(self);
          schedule_retry(self);
        }
      },
      [=](atom::check) {
        self->state.retry_pending = false;
        if (!self->state.conn->connected() && try_connect(self))
          self->state.reconnects += 1;
      },
      [=](atom::tick) {
        self->delayed_send(self, refresh_every, atom::tick::value);
        if (!self->state.degraded)
          refresh(self);
      },
      [=](atom::attach, const std::string& agent_id) {
        auto& st = self->state;
        st.attached.insert(agent_id);
        // While degraded, reannounce() sets it once Redis is back.
        if (!st.degraded)
          run(self, {"SET", presence_key(agent_id), st.node_id, "PX", ttl_ms(st)});
      },
      [=](atom::detach, const std::string& agent_id) {
        auto& st = self->state;
        st.attached.erase(agent_id);
        std::vector<std::string> one{agent_id};
        if (st.conn->connected() && !st.run_keys(release_script, one.begin(), one.end(),
                                                 {st.node_id})) {
          update(self);
          schedule_retry(self);
        }
      },
      [=](atom::route, signal_envelope& e) {
        auto& st = self->state;
        if (st.conn->connected()) {
          e.hops += 1;
          auto r = run(self, {"EVAL", route_script, "1", presence_key(e.to),
                              "tessera:node:", to_json(e), st.node_id});
          e.hops -= 1;
          if (r && r->kind == storage::redis_reply::integer && r->number == 1) {
            st.published += 1;
            return;
          }
        }
        undeliver(self, std::move(e));
      },
      [=](atom::online, const std::string& agent_id) {
        auto& st = self->state;
        if (st.degraded)
          return;  // reannounce() tells every node once Redis is back
        if (run(self, {"PUBLISH", broadcast_channel,
                       announcement(st.node_id, "online", {{"agent", agent_id}})}))
          st.published += 1;
      },
      [=](atom::contacts, const std::string& a, const std::string& b) {
        auto& st = self->state;
        auto text = announcement(st.node_id, "contacts", {{"a", a}, {"b", b}});
        if (!st.degraded && run(self, {"PUBLISH", broadcast_channel, text})) {
          st.published += 1;
          return;
        }
        if (st.pending_contacts.size() >= max_pending_contacts)
          st.pending_contacts.pop_front();
        st.pending_contacts.emplace_back(a, b);
      },
      [=](atom::status) -> std::string {
        auto& st = self->state;
        nlohmann::ordered_json j;
        j["kind"] = "redis";
        j["state"] = st.degraded ? "degraded" : "ok";
        j["node_id"] = st.node_id;
        j["attached"] = st.attached.size();
        j["reconnects"] = st.reconnects;
        j["published"] = st.published;
        j["received"] = st.sub ? st.sub->received() : 0;
        j["undelivered"] = st.undelivered;
        return j.dump();
      },
  };
}

}  // namespace
}  // namespace redis_broker_impl

broker_actor spawn_redis_broker(caf::actor_system& sys, const config::signaling_settings& sig,
                                const config::redis_settings& redis, const std::string& node_id) {
  return caf::actor_cast<broker_actor>(
      sys.spawn<caf::detached>(redis_broker_impl::redis_broker, sig.presence_ttl, redis, node_id));
}

}  // namespace tessera
