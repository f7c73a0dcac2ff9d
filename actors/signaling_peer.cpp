#include "actors/signaling_peer.hpp"

#include <nlohmann/json.hpp>

#include "actors/clock.hpp"
#include "actors/errors.hpp"
#include "protocol/signal_frame.hpp"
#include "protocol/turn_credentials.hpp"

namespace tessera {

namespace peer_detail {
namespace {

using peer_self = signaling_peer_actor::stateful_pointer<signaling_peer_state>;

// The peer's own timers. Its typed interface lists what others send it;
// these two are sent only by the peer to itself (untyped delayed sends,
// taken by the default handler), so they stay out of the contract.
using auth_deadline_atom = caf::atom_constant<caf::atom("sp_authdl")>;
using beat_atom = caf::atom_constant<caf::atom("sp_beat")>;

// Relays open or pending per connection: each holds state on both peers.
constexpr size_t max_relays = 16;

constexpr uint16_t close_internal = 1011;

/// What the behavior's handlers share beyond the contract's state.
struct peer_env {
  std::shared_ptr<frame_sink> sink;
  signaling_peer_config cfg;
  signaling_hub_actor hub;
  reader_actor readers;
  registry_actor registry;
  // Contact reloads may be answered out of order by the reader pool: only
  // the newest one asked for fills the cache.
  uint64_t contacts_asked = 0;
};
using env_ptr = std::shared_ptr<peer_env>;

void send_error(const peer_env& env, std::string_view code, std::string_view message,
                std::string_view to = {}, std::string_view ref = {}) {
  env.sink->send(signal::error(code, message, to, ref));
}

/// A frame of this node's own making for `to` (an error about its frame, a
/// relay_close on its partner's behalf), routed like any other.
void route_to(peer_self self, const peer_env& env, std::string to, std::string from,
              std::string type, std::string text) {
  signal_envelope e{std::move(to), std::move(from), std::move(type), std::move(text), now_ms(), 0};
  self->send(env.hub, atom::route::value, std::move(e));
}

/// Ends the connection's actor: leaves the hub (a stale detach, after a
/// replacement, is ignored there) and tells relay partners their relays are
/// gone. Idempotent.
void finish(peer_self self, const peer_env& env) {
  auto& st = self->state;
  if (st.phase == signaling_peer_state::closing)
    return;
  bool attached = st.phase == signaling_peer_state::ready;
  st.phase = signaling_peer_state::closing;
  if (attached) {
    self->send(env.hub, atom::detach::value, st.agent_id, signaling_peer_actor{self});
    for (const auto& [relay_id, ch] : st.relays) {
      nlohmann::json f{{"type", "relay_close"}, {"to", ch.peer},       {"relay_id", relay_id},
                       {"from", st.agent_id},  {"reason", "closed"}};
      route_to(self, env, ch.peer, st.agent_id, "relay_close", f.dump());
    }
    st.relays.clear();
  }
  self->quit();
}

void close_with(peer_self self, const peer_env& env, uint16_t code, std::string reason) {
  if (self->state.phase == signaling_peer_state::closing)
    return;
  env.sink->close(code, std::move(reason));
  finish(self, env);
}

/// The mutual contacts out of an agent's contact list.
std::unordered_set<std::string> mutual_of(const std::vector<contact>& list) {
  std::unordered_set<std::string> mutual;
  for (const auto& c : list)
    if (c.mutual)
      mutual.insert(c.contact_id);
  return mutual;
}

void reload_contacts(peer_self self, env_ptr env) {
  auto asked = ++env->contacts_asked;
  self->request(env->readers, env->cfg.timeout, atom::contacts::value, self->state.agent_id)
      .then(
          [=](const std::vector<contact>& list) {
            if (asked == env->contacts_asked)  // else a newer reload is on its way
              self->state.mutual = mutual_of(list);
          },
          [=](const caf::error& err) {
            // The cache keeps what it had; the next change reloads it.
            CAF_LOG_WARNING("signaling peer: contacts reload failed" << CAF_ARG(err));
          });
}

/// One registry heartbeat: the open connection keeps the agent online.
void beat(peer_self self, env_ptr env) {
  self->request(env->registry, env->cfg.timeout, atom::heartbeat::value, self->state.agent_id)
      .then([](const heartbeat_ack&) {},
            [=](const caf::error& err) {
              if (to_problem(err).code == ec::not_found)
                close_with(self, *env, signal::close_code::deregistered,
                           "the agent was deregistered");
              // Other failures (a slow registry) are retried at the next beat.
            });
  caf::delayed_anon_send(caf::actor_cast<caf::actor>(self), env->cfg.heartbeat_interval,
                         beat_atom::value);
}

/// The auth frame checked out. The contacts cache is filled before the
/// config frame goes out, so a client's first offer is judged against it.
/// The attach is on its way to the hub before the config frame too, so a
/// frame sent to this agent by anyone who saw it connect finds it there;
/// what the hub delivers on attach is handled after this handler, so it
/// follows the config frame.
void authenticated(peer_self self, env_ptr env, const std::string& id) {
  auto asked = ++env->contacts_asked;
  self->request(env->readers, env->cfg.timeout, atom::contacts::value, id)
      .then(
          [=](const std::vector<contact>& list) {
            auto& st = self->state;
            if (st.phase != signaling_peer_state::awaiting_auth)
              return;
            const auto& sig = env->cfg.signaling;
            st.phase = signaling_peer_state::ready;
            st.agent_id = id;
            env->sink->authenticated();
            if (asked == env->contacts_asked)
              st.mutual = mutual_of(list);
            st.frames =
                std::make_unique<signal::frame_limiter>(sig.frames_per_sec, sig.frame_burst);
            st.relay_bytes = std::make_unique<signal::byte_limiter>(
                sig.relay_bytes_per_sec, static_cast<double>(sig.relay_burst_bytes));
            self->request(env->hub, env->cfg.timeout, atom::attach::value, id,
                          signaling_peer_actor{self})
                // Contacts may have changed between the load above and the
                // attach, when no change could reach this peer: load again.
                .then([=](caf::ok_atom) { reload_contacts(self, env); },
                      [=](const caf::error&) {
                        close_with(self, *env, close_internal, "the signaling hub is unavailable");
                      });
            auto now_s = now_ms() / 1000;
            auto ttl_s =
                std::chrono::duration_cast<std::chrono::seconds>(sig.turn.credential_ttl).count();
            env->sink->send(signal::config(
                signal::ice_servers(sig.turn.urls, sig.turn.secret, id, now_s, ttl_s), id));
            beat(self, env);
          },
          [=](const caf::error&) {
            close_with(self, *env, close_internal, "the contacts are unavailable");
          });
}

void on_auth_frame(peer_self self, env_ptr env, const std::string& text) {
  auto& st = self->state;
  auto auth = signal::parse_auth(text);
  if (!auth.ok) {
    close_with(self, *env, signal::close_code::bad_auth_frame, auth.message);
    return;
  }
  // The nonce is spent by this one attempt: a second auth frame is refused.
  auto nonce = std::move(st.nonce);
  st.nonce.clear();
  // The key is inside the id, so the signature is checked before anything
  // costs a database read: junk auth frames never reach the readers.
  if (!signal::check_auth(nonce, auth.agent_id, auth.signature)) {
    close_with(self, *env, signal::close_code::bad_signature,
               "the signature does not verify for this agent and challenge");
    return;
  }
  self->request(env->readers, env->cfg.timeout, atom::get::value, auth.agent_id)
      .then(
          [=](const agent_record&) {
            if (self->state.phase != signaling_peer_state::awaiting_auth)
              return;
            authenticated(self, env, auth.agent_id);
          },
          [=](const caf::error& err) {
            if (to_problem(err).code == ec::not_found)
              close_with(self, *env, signal::close_code::unknown_agent, "unknown agent");
            else
              close_with(self, *env, close_internal, "the registry is unavailable");
          });
}

/// Relay state for a frame the client sends; false (and an error frame to
/// the client) when it may not pass.
bool relay_outgoing(peer_self self, const peer_env& env, const signal::frame& f) {
  if (f.type != signal::kind::relay_open && f.type != signal::kind::relay_data &&
      f.type != signal::kind::relay_close)
    return true;
  auto& st = self->state;
  auto relay_id = f.doc.at("relay_id").get<std::string>();
  auto ref = signal::to_string(f.type);
  auto it = st.relays.find(relay_id);
  bool with_target = it != st.relays.end() && it->second.peer == f.to;
  switch (f.type) {
    case signal::kind::relay_open:
      if (it == st.relays.end()) {
        if (st.relays.size() >= max_relays) {
          send_error(env, "too_many_relays",
                     "at most " + std::to_string(max_relays) + " relays open or pending",
                     f.to, ref);
          return false;
        }
        st.relays.emplace(relay_id, signaling_peer_state::relay_channel{f.to, false, true});
        return true;
      }
      if (with_target && !it->second.open && !it->second.outgoing) {
        it->second.open = true;  // accepting the other side's request
        return true;
      }
      send_error(env, "relay_exists", "\"relay_id\" " + relay_id + " is already in use", f.to,
                 ref);
      return false;
    case signal::kind::relay_data: {
      if (!with_target || !it->second.open) {
        send_error(env, "relay_not_open",
                   "\"relay_id\" " + relay_id + " is not an open relay with this agent", f.to, ref);
        return false;
      }
      auto bytes = f.doc.at("data").get_ref<const std::string&>().size();
      if (!st.relay_bytes->take(bytes, now_ms())) {
        send_error(env, "relay_rate_limited", "relay_data over the relay byte rate", f.to, ref);
        return false;
      }
      return true;
    }
    case signal::kind::relay_close:
      if (!with_target) {
        send_error(env, "relay_not_open",
                   "\"relay_id\" " + relay_id + " is not a relay with this agent", f.to, ref);
        return false;
      }
      st.relays.erase(it);
      return true;
    default:
      return true;  // not a relay frame (see above)
  }
}

/// Relay state for a relay frame delivered to this agent; false: drop it.
bool relay_incoming(peer_self self, const peer_env& env, const signal_envelope& e) {
  auto& st = self->state;
  auto doc = nlohmann::json::parse(e.text, nullptr, false);
  const auto* rid = doc.is_object() && doc.contains("relay_id")
                        ? doc["relay_id"].get_ptr<const std::string*>()
                        : nullptr;
  if (!rid)
    return false;
  const auto& relay_id = *rid;
  auto it = st.relays.find(relay_id);
  bool with_sender = it != st.relays.end() && it->second.peer == e.from;
  if (e.type == "relay_open") {
    if (it == st.relays.end()) {
      if (st.relays.size() >= max_relays) {
        route_to(self, env, e.from, "", "error",
                 signal::error("too_many_relays", "the agent has too many relays open or pending",
                               st.agent_id, "relay_open"));
        return false;
      }
      st.relays.emplace(relay_id, signaling_peer_state::relay_channel{e.from, false, false});
      return true;
    }
    if (with_sender && it->second.outgoing && !it->second.open) {
      it->second.open = true;  // the other side accepted
      return true;
    }
    route_to(self, env, e.from, "", "error",
             signal::error("relay_exists", "\"relay_id\" " + relay_id + " is already in use",
                           st.agent_id, "relay_open"));
    return false;
  }
  if (e.type == "relay_data")
    return with_sender && it->second.open;
  if (e.type == "relay_close") {
    if (!with_sender)
      return false;
    st.relays.erase(it);
    return true;
  }
  return true;
}

void on_client_frame(peer_self self, const peer_env& env, const std::string& text) {
  auto& st = self->state;
  st.frames_in += 1;
  auto now = now_ms();
  switch (st.frames->take(now)) {
    case signal::frame_limiter::allow:
      break;
    case signal::frame_limiter::refuse:
      st.refused += 1;
      send_error(env, "rate_limited", "too many frames: slow down");
      return;
    case signal::frame_limiter::close:
      st.refused += 1;
      close_with(self, env, signal::close_code::too_many_frames, "too many frames");
      return;
  }
  auto parsed = signal::parse(text, st.agent_id);
  if (!parsed.ok) {
    send_error(env, parsed.code, parsed.message);
    return;
  }
  const auto& f = parsed.value;
  if (f.type == signal::kind::ping) {
    env.sink->send(signal::pong(f.doc.contains("id") ? f.doc["id"] : nlohmann::json()));
    return;
  }
  auto type = signal::to_string(f.type);
  if (signal::needs_contacts(f.type) && env.cfg.signaling.require_contacts &&
      !st.mutual.contains(f.to)) {
    send_error(env, "not_in_contacts", "the target is not a mutual contact", f.to, type);
    return;
  }
  if (!relay_outgoing(self, env, f))
    return;
  route_to(self, env, f.to, st.agent_id, type, signal::forwarded(f, st.agent_id));
}

}  // namespace
}  // namespace peer_detail

signaling_peer_actor::behavior_type signaling_peer(
    signaling_peer_actor::stateful_pointer<signaling_peer_state> self,
    std::shared_ptr<frame_sink> sink, signaling_peer_config cfg, signaling_hub_actor hub,
    reader_actor readers, registry_actor registry) {
  using namespace peer_detail;
  auto env = std::make_shared<peer_env>(
      peer_env{std::move(sink), std::move(cfg), std::move(hub), std::move(readers),
               std::move(registry)});
  auto& st = self->state;
  st.nonce = signal::make_nonce();
  env->sink->send(signal::challenge(st.nonce));
  caf::delayed_anon_send(caf::actor_cast<caf::actor>(self), env->cfg.signaling.auth_timeout,
                         auth_deadline_atom::value);
  self->set_default_handler(
      [=](caf::scheduled_actor*, caf::message_view& x) -> caf::result<caf::message> {
        const auto& msg = x.content();
        if (msg.match_elements<auth_deadline_atom>()) {
          // Only while no auth frame came: one that did is being checked.
          const auto& st = self->state;
          if (st.phase == signaling_peer_state::awaiting_auth && !st.nonce.empty())
            close_with(self, *env, signal::close_code::auth_timeout,
                       "no auth frame within signaling.auth_timeout");
          return caf::message{};
        }
        if (msg.match_elements<beat_atom>()) {
          if (self->state.phase == signaling_peer_state::ready)
            beat(self, env);
          return caf::message{};
        }
        return caf::sec::unexpected_message;
      });
  return {
      [=](atom::frame, const std::string& text) {
        auto& st = self->state;
        switch (st.phase) {
          case signaling_peer_state::awaiting_auth:
            if (st.nonce.empty())  // a second frame before the config frame
              close_with(self, *env, signal::close_code::bad_auth_frame,
                         "wait for the config frame before sending");
            else
              on_auth_frame(self, env, text);
            return;
          case signaling_peer_state::ready:
            on_client_frame(self, *env, text);
            return;
          case signaling_peer_state::closing:
            return;
        }
      },
      [=](atom::deliver, const signal_envelope& e) {
        auto& st = self->state;
        if (st.phase != signaling_peer_state::ready)
          return;
        bool relay = e.type == "relay_open" || e.type == "relay_data" || e.type == "relay_close";
        // The receiving side checks contacts too: the sender's cache may be
        // stale (its node missed a change, or this agent re-registered).
        if (!e.from.empty() && env->cfg.signaling.require_contacts &&
            signal::needs_contacts(e.type) && !st.mutual.contains(e.from)) {
          route_to(self, *env, e.from, "", "error",
                   signal::error("not_in_contacts", "the target is not a mutual contact",
                                 st.agent_id, e.type));
          return;
        }
        // Relay frames only ever come from an agent; none of the server's making.
        if (relay && (e.from.empty() || !relay_incoming(self, *env, e)))
          return;
        st.frames_out += 1;
        env->sink->send(e.text);
      },
      [=](atom::replaced) {
        if (self->state.phase != signaling_peer_state::ready)
          return;
        env->sink->send(
            signal::error("replaced", "a newer connection of this agent took over"));
        close_with(self, *env, signal::close_code::replaced, "replaced by a newer connection");
      },
      [=](atom::contacts) {
        if (self->state.phase == signaling_peer_state::ready)
          reload_contacts(self, env);
      },
      [=](atom::closed) { finish(self, *env); },
  };
}

}  // namespace tessera
