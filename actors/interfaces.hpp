#pragma once
// Every typed actor handle and atom of Tessera, on one page.
#include <caf/all.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/agent.hpp"
#include "protocol/agent_watch.hpp"
#include "protocol/bridge/answer.hpp"
#include "protocol/bridge/mcp_sessions.hpp"
#include "protocol/contacts.hpp"
#include "protocol/directory.hpp"
#include "actors/stream_sink.hpp"
#include "protocol/signaling.hpp"

namespace tessera {

namespace atom {
using register_ = caf::atom_constant<caf::atom("register")>;
using replace = caf::atom_constant<caf::atom("replace")>;
using remove = caf::atom_constant<caf::atom("remove")>;
using get = caf::atom_constant<caf::atom("get")>;
using exists = caf::atom_constant<caf::atom("exists")>;
using list = caf::atom_constant<caf::atom("list")>;
using heartbeat = caf::atom_constant<caf::atom("heartbeat")>;
using subscribe = caf::atom_constant<caf::atom("subscribe")>;
using offline = caf::atom_constant<caf::atom("offline")>;
using online = caf::atom_constant<caf::atom("online")>;
using write = caf::atom_constant<caf::atom("write")>;
using commit = caf::atom_constant<caf::atom("commit")>;
using flush = caf::atom_constant<caf::atom("flush")>;
using ping = caf::atom_constant<caf::atom("ping")>;
using tick = caf::atom_constant<caf::atom("tick")>;
using check = caf::atom_constant<caf::atom("check")>;
using status = caf::atom_constant<caf::atom("status")>;
using user_get = caf::atom_constant<caf::atom("user_get")>;
using user_email = caf::atom_constant<caf::atom("user_email")>;
using user_list = caf::atom_constant<caf::atom("user_list")>;
using cred_get = caf::atom_constant<caf::atom("cred_get")>;
using cred_list = caf::atom_constant<caf::atom("cred_list")>;
using stats = caf::atom_constant<caf::atom("stats")>;
using audit = caf::atom_constant<caf::atom("audit")>;
using signed_in = caf::atom_constant<caf::atom("signed_in")>;
using reputation = caf::atom_constant<caf::atom("reputation")>;
using credit = caf::atom_constant<caf::atom("credit")>;
using directory = caf::atom_constant<caf::atom("directory")>;
using profile = caf::atom_constant<caf::atom("profile")>;
using category = caf::atom_constant<caf::atom("category")>;
using categories = caf::atom_constant<caf::atom("categories")>;
using review = caf::atom_constant<caf::atom("review")>;
using review_of = caf::atom_constant<caf::atom("review_of")>;
using reviews = caf::atom_constant<caf::atom("reviews")>;
using summary = caf::atom_constant<caf::atom("summary")>;
using report = caf::atom_constant<caf::atom("report")>;
using reports = caf::atom_constant<caf::atom("reports")>;
using verify = caf::atom_constant<caf::atom("verify")>;
using fetch = caf::atom_constant<caf::atom("fetch")>;
using contacts = caf::atom_constant<caf::atom("contacts")>;
using requests = caf::atom_constant<caf::atom("requests")>;
using request = caf::atom_constant<caf::atom("request")>;
using frame = caf::atom_constant<caf::atom("frame")>;
using deliver = caf::atom_constant<caf::atom("deliver")>;
using attach = caf::atom_constant<caf::atom("attach")>;
using detach = caf::atom_constant<caf::atom("detach")>;
using replaced = caf::atom_constant<caf::atom("replaced")>;
using closed = caf::atom_constant<caf::atom("closed")>;
using route = caf::atom_constant<caf::atom("route")>;
using remote = caf::atom_constant<caf::atom("remote")>;
using undeliver = caf::atom_constant<caf::atom("undeliver")>;
using refresh = caf::atom_constant<caf::atom("refresh")>;
using hash = caf::atom_constant<caf::atom("hash")>;
using closed_stream = caf::atom_constant<caf::atom("closed_str")>;
using mcp_open = caf::atom_constant<caf::atom("mcp_open")>;
using mcp_use = caf::atom_constant<caf::atom("mcp_use")>;
using mcp_close = caf::atom_constant<caf::atom("mcp_close")>;
using start = caf::atom_constant<caf::atom("start")>;
using head = caf::atom_constant<caf::atom("head")>;
using data = caf::atom_constant<caf::atom("data")>;
using done = caf::atom_constant<caf::atom("done")>;
using cancel = caf::atom_constant<caf::atom("cancel")>;
}  // namespace atom

/// Every component answers `status` with a JSON object (as text) describing
/// itself, for /api/v1/health and the metrics dashboard.
using status_client_actor = caf::typed_actor<caf::replies_to<atom::status>::with<std::string>>;

/// Anyone interested in agent lifecycle events (the reputation engine, later).
using event_listener_actor = caf::typed_actor<caf::reacts_to<agent_event>>;

/// The single writer. A write is acknowledged only after its transaction
/// committed; writes that arrive while a transaction runs share the next one.
/// A vector of ops is applied atomically.
using persistence_actor = caf::typed_actor<
    caf::replies_to<atom::write, write_op>::with<caf::ok_atom>,
    caf::replies_to<atom::write, std::vector<write_op>>::with<caf::ok_atom>,
    caf::reacts_to<atom::commit>,
    caf::replies_to<atom::flush>::with<caf::ok_atom>>::extend_with<status_client_actor>;

/// Read-only queries, answered by a pool of sessions. Lookups that find
/// nothing fail with ec::not_found.
using reader_actor = caf::typed_actor<
    caf::replies_to<atom::get, std::string>::with<agent_record>,
    caf::replies_to<atom::exists, std::string>::with<bool>,
    caf::replies_to<atom::list, agent_query>::with<agent_page>,
    caf::replies_to<atom::online>::with<std::vector<std::string>>,
    caf::replies_to<atom::ping>::with<caf::ok_atom>,
    // users by id, by (normalized) email, and the admin listing
    caf::replies_to<atom::user_get, std::string>::with<user_record>,
    caf::replies_to<atom::user_email, std::string>::with<user_record>,
    // the user, if their sign-in (a refresh token family) is still live:
    // what an access token is checked against
    caf::replies_to<atom::signed_in, std::string, std::string>::with<user_record>,
    caf::replies_to<atom::user_list, user_query>::with<user_page>,
    // a credential by the hash of its secret; a user's credentials of one kind
    caf::replies_to<atom::cred_get, std::string>::with<credential>,
    caf::replies_to<atom::cred_list, std::string, std::string>::with<std::vector<credential>>,
    // dashboard counts as a JSON object: for one owner (provider) or, with
    // "", for the whole node (admin)
    caf::replies_to<atom::stats, std::string>::with<std::string>,
    caf::replies_to<atom::audit, audit_query>::with<std::vector<audit_entry>>,
    // an agent's reputation and its log newest first: seq below before_seq
    // (0: from the newest), at most limit entries (0: the state only)
    caf::replies_to<atom::reputation, std::string, int64_t, int32_t>::with<reputation_view>,
    // the public directory: a page, and one agent's profile
    caf::replies_to<atom::directory, directory_query>::with<directory_page>,
    caf::replies_to<atom::profile, std::string>::with<agent_profile>,
    // categories: one by id, all of them (by id)
    caf::replies_to<atom::category, std::string>::with<category>,
    caf::replies_to<atom::categories>::with<std::vector<category>>,
    // reviews: by id, by (agent id, user id), a page, an agent's summary
    caf::replies_to<atom::review, std::string>::with<review>,
    caf::replies_to<atom::review_of, std::string, std::string>::with<review>,
    caf::replies_to<atom::reviews, review_query>::with<review_page>,
    caf::replies_to<atom::summary, std::string>::with<review_summary>,
    // reports: by id, the admin listing
    caf::replies_to<atom::report, std::string>::with<report>,
    caf::replies_to<atom::reports, report_query>::with<report_page>,
    // an agent's contact list (by contact id, `mutual` filled in), at most
    // contacts::max_contacts_per_agent; a contact request by id; a page of them
    caf::replies_to<atom::contacts, std::string>::with<std::vector<contact>>,
    caf::replies_to<atom::request, std::string>::with<contact_request>,
    caf::replies_to<atom::requests, contact_request_query>::with<contact_request_page>>::
    extend_with<status_client_actor>;

/// One per online agent: its live state and its offline deadline. Linked to
/// the registry; `remove` ends it quietly (the agent was deregistered).
using agent_session_actor = caf::typed_actor<
    caf::reacts_to<atom::heartbeat, int64_t>,
    caf::reacts_to<atom::tick, uint64_t>,
    caf::reacts_to<atom::remove>>;

/// agent id -> agent_session. Register, replace, deregister, heartbeat; `get`
/// answers an online agent from memory (others from the readers); `refresh`
/// re-reads an agent after a change made elsewhere (verification), for the
/// cache and the watchers.
using registry_actor = caf::typed_actor<
    caf::replies_to<atom::register_, agent_record>::with<agent_record>,
    caf::replies_to<atom::get, std::string>::with<agent_record>,
    caf::replies_to<atom::exists, std::string>::with<bool>,
    caf::replies_to<atom::refresh, std::string>::with<caf::ok_atom>,
    caf::replies_to<atom::replace, agent_record>::with<agent_record>,
    caf::replies_to<atom::remove, std::string>::with<caf::ok_atom>,
    caf::replies_to<atom::heartbeat, std::string>::with<heartbeat_ack>,
    caf::reacts_to<atom::subscribe, event_listener_actor>,
    caf::reacts_to<atom::offline, std::string, uint64_t, int64_t>,
    caf::reacts_to<atom::tick>,
    caf::reacts_to<atom::online>,
    caf::replies_to<atom::flush>::with<caf::ok_atom>>::extend_with<status_client_actor>;

/// The registry watch (actors/watch.hpp): lifecycle events from the registry,
/// kept in a bounded history and streamed to watchers. `subscribe` (stream id,
/// filter, Last-Event-ID or -1, the stream) replays what was missed, or a
/// reset, then streams; fails with unavailable past watch.max_streams. The
/// stream's end arrives as `closed_stream` with its id.
using watch_actor = caf::typed_actor<
    caf::reacts_to<agent_event>,
    caf::replies_to<atom::subscribe, uint64_t, watch::filter, int64_t, stream_sink_ptr>::with<
        caf::ok_atom>,
    caf::reacts_to<atom::closed_stream, uint64_t>,
    caf::reacts_to<atom::tick>>::extend_with<status_client_actor>;

// --- The protocol bridge (see actors/bridge.hpp, invocation.hpp) ---

/// One per node: the MCP sessions clients hold through the gateway
/// (protocol/bridge/mcp_sessions.hpp). `mcp_open` answers the new session's
/// id, or unavailable when bridge.max_sessions are in use; `mcp_use` (id,
/// agent id) the session, or not_found; `mcp_close` whether there was one.
using bridge_actor = caf::typed_actor<
    caf::replies_to<atom::mcp_open, bridge::mcp_session>::with<std::string>,
    caf::replies_to<atom::mcp_use, std::string, std::string>::with<bridge::mcp_session>,
    caf::replies_to<atom::mcp_close, std::string, std::string>::with<bool>>::
    extend_with<status_client_actor>;

/// One per call through the bridge: `start` makes the outbound call given at
/// spawn and answers the head of the agent's answer (with the whole body, or
/// `streamed` when the rest goes to the call's stream as events). `head`,
/// `data` and `done` (error code, message) come from the outbound call;
/// `cancel` when the client has gone; `tick`, its own deadline for an answer
/// that does not stream.
using invocation_actor = caf::typed_actor<
    caf::replies_to<atom::start>::with<bridge::answer_head>,
    caf::reacts_to<atom::tick>,
    caf::reacts_to<atom::head, bridge::answer_head>,
    caf::reacts_to<atom::data, std::string>,
    caf::reacts_to<atom::done, std::string, std::string>,
    caf::reacts_to<atom::cancel>>;

/// Argon2id, on detached workers (actors/password_hasher.hpp): `hash` a new
/// password; `check` a password against a stored hash ("": a decoy, false).
using password_actor =
    caf::typed_actor<caf::replies_to<atom::hash, std::string>::with<std::string>,
                     caf::replies_to<atom::check, std::string, std::string>::with<bool>>;

/// The replay window every node shares (actors/nonce_keeper.hpp): `check` a
/// (key, nonce) hash (hex) and the last second its signature verifies; true
/// when no node claimed it before. Fails with unavailable when the store
/// (the database or Redis) can't be reached.
using nonce_keeper_actor =
    caf::typed_actor<caf::replies_to<atom::check, std::string, int64_t>::with<bool>,
                     caf::reacts_to<atom::commit>>::extend_with<status_client_actor>;

/// Remembers (keyid, nonce) of signed requests within the skew window: of
/// registered agents, or (the bool) of registration requests, kept apart so
/// that new keys can't fill the window of registered ones.
using replay_guard_actor = caf::typed_actor<
    caf::replies_to<atom::check, std::string, std::string, int64_t, bool>::with<caf::ok_atom>>::
    extend_with<status_client_actor>;

/// Scores agents from the registry's events (it subscribes as an
/// event_listener_actor) and from events credited to an agent by others
/// (`credit`: agent id, reputation::event_kind name, time): verification,
/// reviews, and later bridge calls, always credited to the agent they are
/// about; see actors/reputation.hpp.
using reputation_actor =
    caf::typed_actor<caf::reacts_to<agent_event>,
                     caf::reacts_to<atom::credit, std::string, std::string, int64_t>>::
        extend_with<status_client_actor>;

/// Endpoint verification (actors/verifier.hpp): `verify` (agent id, who asked
/// for the audit log, their address) challenges the agent's card url and
/// answers the outcome; fails with not_found (no such agent), conflict (one
/// is running for this agent) or rate_limited (asked again too soon).
using verifier_actor = caf::typed_actor<
    caf::replies_to<atom::verify, std::string, std::string, std::string>::with<verify_result>>::
    extend_with<status_client_actor>;

// --- Signaling (see actors/signaling_peer.hpp, signaling_hub.hpp, broker.hpp) ---

/// One per WebSocket connection: the auth handshake, limits, the contacts
/// check, relay state. The socket side (ws/) sends it each text frame and
/// `closed` when the connection ends; it writes through its frame_sink.
using signaling_peer_actor = caf::typed_actor<
    caf::reacts_to<atom::frame, std::string>,       // a text frame from the client
    caf::reacts_to<atom::deliver, signal_envelope>, // a frame for this agent
    caf::reacts_to<atom::replaced>,                 // a newer connection of the agent took over
    caf::reacts_to<atom::contacts>,                 // the agent's contacts changed: reload them
    caf::reacts_to<atom::closed>>;                  // the socket is gone

/// One per node: agent id -> its local signaling_peer; routes frames to a
/// local peer or through the broker, keeps the offline queue, and charges
/// relay_data to its sender's daily quota (over it: an error frame back).
using signaling_hub_actor = caf::typed_actor<
    // a peer authenticated: replaces (and tells) an older peer of the agent,
    // announces presence, delivers what was queued
    caf::replies_to<atom::attach, std::string, signaling_peer_actor>::with<caf::ok_atom>,
    caf::reacts_to<atom::detach, std::string, signaling_peer_actor>,  // only if still that peer
    caf::reacts_to<atom::route, signal_envelope>,   // from a local peer: to the target, wherever
    caf::reacts_to<atom::remote, signal_envelope>,  // from another node (broker): deliver here
    // the broker found the target nowhere: queue it (queueable types) or tell the sender
    caf::reacts_to<atom::undeliver, signal_envelope>,
    caf::reacts_to<atom::online, std::string>,      // the agent connected on some node: flush its queue
    caf::reacts_to<atom::contacts, std::string, std::string>,  // contacts of these two changed (this node)
    caf::reacts_to<atom::remote, atom::contacts, std::string, std::string>,  // ... (another node)
    caf::reacts_to<atom::tick>>::extend_with<status_client_actor>;

/// Cross-node delivery (`signaling.broker`): `local` for one process, `redis`
/// for several. Tells the hub (given with `subscribe`) what arrives for it:
/// remote envelopes, `undeliver` for targets connected nowhere, `online`
/// announcements and contact changes from other nodes. Its status says
/// "state": "ok" | "degraded" (Redis unreachable: local delivery goes on).
using broker_actor = caf::typed_actor<
    caf::reacts_to<atom::subscribe, signaling_hub_actor>,
    caf::reacts_to<atom::attach, std::string>,   // the agent is connected here (presence)
    caf::reacts_to<atom::detach, std::string>,   // ... no longer
    caf::reacts_to<atom::route, signal_envelope>,  // to the node holding env.to, else undeliver
    caf::reacts_to<atom::online, std::string>,   // announce to every node: the agent is connected
    caf::reacts_to<atom::contacts, std::string, std::string>>::  // announce a contact change
    extend_with<status_client_actor>;

/// Security events: stamps, hash-chains, writes one JSON line to
/// audit_log.output and stores each entry through the writer.
using audit_log_actor =
    caf::typed_actor<caf::reacts_to<audit_entry>>::extend_with<status_client_actor>;

}  // namespace tessera
