#include "actors/signaling_hub.hpp"

#include <algorithm>
#include <optional>

#include <nlohmann/json.hpp>

#include "actors/clock.hpp"
#include "protocol/signal_frame.hpp"

namespace tessera {

namespace hub_detail {
namespace {

using hub_self = signaling_hub_actor::stateful_pointer<signaling_hub_state>;

// How often queued frames are checked for expiry.
constexpr std::chrono::seconds sweep_interval{1};
// How long an offline target's registration may take to look up.
constexpr std::chrono::seconds lookup_timeout{5};
// status waits this long for the broker's own status, then calls it down.
constexpr std::chrono::seconds broker_status_timeout{1};

bool is_queueable(const std::string& type) {
  return type == "notification" || type == "bridge_message";
}

/// To a local peer, else to the broker (which finds the node holding the
/// target, or answers `undeliver`).
void dispatch(hub_self self, const broker_actor& broker, signal_envelope e) {
  auto& st = self->state;
  auto it = st.peers.find(e.to);
  if (it != st.peers.end()) {
    st.routed_local += 1;
    self->send(it->second, atom::deliver::value, std::move(e));
    return;
  }
  st.routed_remote += 1;
  self->send(broker, atom::route::value, std::move(e));
}

/// Tells the sender of `e` why it went nowhere, as an error frame naming the
/// frame's target and type. Frames of the server's own making (from "") are
/// dropped instead: nobody is waiting on them.
void tell_sender(hub_self self, const broker_actor& broker, const signal_envelope& e,
                 std::string_view code, std::string_view message) {
  if (e.from.empty())
    return;
  signal_envelope err{e.from, "", "error", signal::error(code, message, e.to, e.type), now_ms(),
                      0};
  dispatch(self, broker, std::move(err));
}

void report_expired(hub_self self, const broker_actor& broker,
                    const std::vector<signal_envelope>& expired) {
  self->state.expired += expired.size();
  for (const auto& e : expired)
    tell_sender(self, broker, e, "expired",
                "the target stayed offline past signaling.offline_queue_max_age");
}

/// Queues a frame for a registered agent connected nowhere; a frame dropped
/// to make room, or this one refused, is told to its sender.
void enqueue(hub_self self, const broker_actor& broker, signal_envelope e) {
  auto& st = self->state;
  // `at` is when the sender's node accepted the frame: a frame that bounced
  // between nodes keeps its age, so it can't outlive max_age by travelling.
  auto copy = e;
  std::vector<signal_envelope> dropped;
  auto result = st.queue->push(std::move(e), &dropped);
  for (const auto& d : dropped) {
    st.queue_full += 1;
    tell_sender(self, broker, d, "queue_full",
                "the target's offline queue is full: an older frame of yours was dropped for "
                "another sender's");
  }
  if (result == signal::offline_queue::full) {
    st.queue_full += 1;
    tell_sender(self, broker, copy, "queue_full", "the target's offline queue is full");
    return;
  }
  st.queued += 1;
}

/// A target connected nowhere: queueable frames wait if the target is a
/// registered agent, others are refused.
void undeliverable(hub_self self, const broker_actor& broker, const reader_actor& readers,
                   signal_envelope e) {
  auto& st = self->state;
  st.undelivered += 1;
  if (e.from.empty())
    return;
  if (!is_queueable(e.type)) {
    tell_sender(self, broker, e, "not_connected", "the target is not connected");
    return;
  }
  // Only a registered agent can ever connect to take its frames. Frames for
  // a target whose lookup is under way wait behind it, so they are queued
  // in the order they came, and then shared fairly by the queue. The wait
  // is bounded like a sender's share, and in all by the node's total.
  auto to = e.to;
  auto& waiting = st.looking_up[to];
  bool first = waiting.empty();
  if (waiting.size() >= st.queue->per_agent() * 10 ||
      st.looking_up_frames >= std::max<size_t>(st.queue->total(), 1)) {
    if (first)
      st.looking_up.erase(to);
    st.queue_full += 1;
    tell_sender(self, broker, e, "queue_full", "the target's offline queue is full");
    return;
  }
  waiting.push_back(std::move(e));
  st.looking_up_frames += 1;
  if (!first)
    return;
  auto settle = [=](std::optional<bool> registered) {
    auto node = self->state.looking_up.extract(to);
    self->state.looking_up_frames -= node.mapped().size();
    for (auto& f : node.mapped()) {
      if (!registered)
        tell_sender(self, broker, f, "unavailable", "the target could not be looked up; try again");
      else if (*registered && self->state.peers.count(f.to))
        dispatch(self, broker, std::move(f));  // it connected here meanwhile
      else if (*registered)
        enqueue(self, broker, std::move(f));
      else
        tell_sender(self, broker, f, "not_found", "no agent with id " + f.to);
    }
  };
  self->request(readers, lookup_timeout, atom::exists::value, to)
      .then([=](bool registered) { settle(registered); },
            [=](const caf::error&) { settle(std::nullopt); });
}

void forget_peer(hub_self self, const broker_actor& broker, const std::string& id) {
  self->state.peers.erase(id);
  self->send(broker, atom::detach::value, id);
}

}  // namespace
}  // namespace hub_detail

signaling_hub_actor::behavior_type signaling_hub(
    signaling_hub_actor::stateful_pointer<signaling_hub_state> self,
    config::signaling_settings cfg, broker_actor broker, reader_actor readers) {
  using namespace hub_detail;
  auto& st = self->state;
  st.queue = std::make_unique<signal::offline_queue>(
      static_cast<size_t>(std::max(0, cfg.offline_queue_size)), cfg.offline_queue_max_age.count(),
      static_cast<size_t>(std::max(0, cfg.offline_queue_total)));
  st.relay_quota = std::make_unique<signal::daily_quota>(cfg.relay_daily_bytes);
  // A peer that dies without detaching (it crashed, or its node is shutting
  // down) must not keep receiving its agent's frames.
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& peers = self->state.peers;
    for (auto it = peers.begin(); it != peers.end(); ++it) {
      if (it->second.address() == dm.source) {
        forget_peer(self, broker, it->first);
        return;
      }
    }
  });
  self->delayed_send(self, sweep_interval, atom::tick::value);
  return {
      [=](atom::attach, const std::string& id,
          signaling_peer_actor peer) -> caf::result<caf::ok_atom> {
        auto& st = self->state;
        auto it = st.peers.find(id);
        if (it != st.peers.end() && it->second != peer) {
          st.replaced += 1;
          self->send(it->second, atom::replaced::value);
          self->demonitor(it->second.address());
        }
        st.peers[id] = peer;
        self->monitor(peer);
        self->send(broker, atom::attach::value, id);
        self->send(broker, atom::online::value, id);
        std::vector<signal_envelope> expired;
        for (auto& e : st.queue->take(id, now_ms(), expired)) {
          st.routed_local += 1;
          self->send(peer, atom::deliver::value, std::move(e));
        }
        report_expired(self, broker, expired);
        return caf::ok_atom::value;
      },
      [=](atom::detach, const std::string& id, signaling_peer_actor peer) {
        auto& st = self->state;
        auto it = st.peers.find(id);
        // A replaced peer's detach arrives after its successor attached.
        if (it == st.peers.end() || it->second != peer)
          return;
        self->demonitor(peer.address());
        forget_peer(self, broker, id);
      },
      [=](atom::route, signal_envelope& e) {
        auto& st = self->state;
        if (e.type == "relay_data" && !e.from.empty()) {
          if (!st.relay_quota->charge(e.from, e.text.size(), now_ms())) {
            st.relay_refused += 1;
            tell_sender(self, broker, e, "relay_quota",
                        "the sender's relayed bytes for today are used up");
            return;
          }
          st.relay_bytes += e.text.size();
        }
        dispatch(self, broker, std::move(e));
      },
      [=](atom::remote, signal_envelope& e) {
        auto& st = self->state;
        st.received_remote += 1;
        auto it = st.peers.find(e.to);
        if (it == st.peers.end()) {
          undeliverable(self, broker, readers, std::move(e));
          return;
        }
        st.routed_local += 1;
        self->send(it->second, atom::deliver::value, std::move(e));
      },
      [=](atom::undeliver, signal_envelope& e) {
        undeliverable(self, broker, readers, std::move(e));
      },
      [=](atom::online, const std::string& id) {
        std::vector<signal_envelope> expired;
        for (auto& e : self->state.queue->take(id, now_ms(), expired))
          dispatch(self, broker, std::move(e));
        report_expired(self, broker, expired);
      },
      [=](atom::contacts, const std::string& a, const std::string& b) {
        for (const auto* id : {&a, &b}) {
          auto it = self->state.peers.find(*id);
          if (it != self->state.peers.end())
            self->send(it->second, atom::contacts::value);
        }
        self->send(broker, atom::contacts::value, a, b);
      },
      [=](atom::remote, atom::contacts, const std::string& a, const std::string& b) {
        for (const auto* id : {&a, &b}) {
          auto it = self->state.peers.find(*id);
          if (it != self->state.peers.end())
            self->send(it->second, atom::contacts::value);
        }
      },
      [=](atom::tick) {
        report_expired(self, broker, self->state.queue->expire(now_ms()));
        self->delayed_send(self, sweep_interval, atom::tick::value);
      },
      [=](atom::status) -> caf::result<std::string> {
        const auto& st = self->state;
        nlohmann::json j{
            {"connections", st.peers.size()},
            {"routed_local", st.routed_local},
            {"routed_remote", st.routed_remote},
            {"received_remote", st.received_remote},
            {"undelivered", st.undelivered},
            {"queued", st.queued},
            {"queue_size", st.queue->size()},
            {"expired", st.expired},
            {"queue_full", st.queue_full},
            {"relay_bytes", st.relay_bytes},
            {"relay_refused", st.relay_refused},
            {"replaced", st.replaced},
        };
        auto rp = self->make_response_promise<std::string>();
        self->request(broker, broker_status_timeout, atom::status::value)
            .then(
                [=](const std::string& text) mutable {
                  auto doc = j;
                  auto b = nlohmann::json::parse(text, nullptr, false);
                  doc["broker"] = b.is_discarded() ? nlohmann::json("down") : b;
                  rp.deliver(doc.dump());
                },
                [=](const caf::error&) mutable {
                  auto doc = j;
                  doc["broker"] = "down";
                  rp.deliver(doc.dump());
                });
        return rp;
      },
  };
}

}  // namespace tessera
