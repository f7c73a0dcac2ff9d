#pragma once
// Signaling frames: JSON text frames on the WebSocket at /api/v1/signaling.
// Pure code: parsing and checking what a client sends, and writing what the
// server sends. See the README section "Signaling" for the wire format.
//
// Client -> server, before auth: only {"type":"auth","agent_id":...,"signature":...}.
// Client -> server, after auth (every frame but ping needs "to", an agent id):
//   offer, answer, ice_candidate         need mutual contacts (require_contacts)
//   relay_open, relay_data, relay_close  need mutual contacts, see relay below
//   bridge_message, notification         queued while the target is offline
//   ping                                 answered with pong
// Server -> client: challenge, config, pong, error, and every frame above as
// forwarded, with "from" set to the sender's authenticated id (whatever the
// client wrote there is overwritten: "from" can't be spoofed).
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace tessera::signal {

constexpr const char* auth_prefix = "tessera-signal-v1";

/// What the agent signs: "tessera-signal-v1:<nonce>:<agent id>".
std::string auth_message(std::string_view nonce, std::string_view agent_id);

/// A fresh challenge nonce: 32 random bytes, base64url.
std::string make_nonce();

/// True if `signature` (base64url or base64 of 64 bytes) is the Ed25519
/// signature of auth_message(nonce, agent_id) by the key inside agent_id.
bool check_auth(std::string_view nonce, std::string_view agent_id, std::string_view signature);

enum class kind {
  offer, answer, ice_candidate,           // peer-to-peer negotiation
  relay_open, relay_data, relay_close,    // relayed channel
  bridge_message, notification,           // queued for offline agents
  ping,
};

const char* to_string(kind k);
bool needs_contacts(kind k);  // offer, answer, ice_candidate, relay_*
bool needs_contacts(std::string_view type);  // the same, by the frame's type name
bool queueable(kind k);       // bridge_message, notification

/// A client frame after auth, checked: a JSON object with a known type and,
/// but for ping, "to" a valid agent id other than the sender. relay_* carry
/// "relay_id" (1-64 of [A-Za-z0-9_-]); relay_data carries "data", a string.
struct frame {
  kind type = kind::ping;
  std::string to;
  nlohmann::json doc;  // the whole object as sent
};

struct parse_result {
  bool ok = false;
  frame value;
  std::string code;     // when !ok: invalid_frame | unknown_type | invalid_target
  std::string message;  // names the field
};

/// `text` is one text frame (its size was checked by the transport).
parse_result parse(std::string_view text, std::string_view self_id);

/// The auth frame: {"type":"auth","agent_id":"z6Mk...","signature":"..."}.
struct auth_frame {
  bool ok = false;
  std::string agent_id;
  std::string signature;
  std::string message;  // when !ok: what is wrong
};
auth_frame parse_auth(std::string_view text);

/// The frame as the target receives it: `f.doc` with "from" set to `from`.
std::string forwarded(const frame& f, std::string_view from);

// Frames the server writes.
std::string challenge(std::string_view nonce);
/// {"type":"config","agent_id":...,"ice_servers":[...]}; no "agent_id" when empty.
std::string config(const nlohmann::json& ice_servers, std::string_view agent_id = {});
std::string pong(const nlohmann::json& id);  // echoes the ping's "id", if any (null: none)
/// {"type":"error","code":...,"message":...} plus "to" (the frame's target) and
/// "ref" (the frame's type) when given, so a client knows which frame failed.
std::string error(std::string_view code, std::string_view message, std::string_view to = {},
                  std::string_view ref = {});

/// Close codes (RFC 6455 private range 4000-4999; 44xx: the client's fault).
namespace close_code {
constexpr uint16_t bad_auth_frame = 4400;    // not an auth frame, or malformed
constexpr uint16_t bad_signature = 4401;
constexpr uint16_t deregistered = 4403;      // the agent was deregistered while connected
constexpr uint16_t unknown_agent = 4404;
constexpr uint16_t auth_timeout = 4408;
constexpr uint16_t replaced = 4409;          // a newer connection of the same agent took over
constexpr uint16_t too_many_frames = 4429;   // sustained flood
constexpr uint16_t going_away = 1001;        // the server is stopping
constexpr uint16_t too_big = 1009;           // a frame over signaling.max_frame_bytes
constexpr uint16_t slow_consumer = 4413;     // the client doesn't read what it is sent
}  // namespace close_code

}  // namespace tessera::signal
