#pragma once
// Every configuration key, as plain structs with their defaults. A key added
// here must also be added to config/load.cpp (parse, validate, print) and to
// the README's configuration reference.
#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace tessera::config {

using millis = std::chrono::milliseconds;

struct server_settings {
  std::string http_addr = ":8080";        // "host:port", ":port" means all interfaces
  // Where clients reach this node, an origin (https://tessera.example.com): the base of
  // the URLs the server hands out. "": http://<host of http_addr>:<port> (localhost when
  // it listens on every interface). Never taken from a request's Host header.
  std::string public_url;
  std::vector<std::string> cors_origins;  // exact origins, or "*"
  millis request_timeout{10'000};
  size_t max_body_bytes = 1024 * 1024;  // as decoded (chunked or not), checked as it arrives
  int http_threads = 2;                  // I/O threads of the front (HTTP, SSE, WebSocket)
  millis keep_alive_timeout{30'000};     // an idle keep-alive connection is closed after this
  millis header_timeout{10'000};         // a request's line and headers must arrive within this
  millis body_timeout{30'000};           // ... and its body within this, from the end of the headers
  int max_requests_per_connection = 10'000;  // then the connection closes; 0: no limit
  size_t max_header_bytes = 16 * 1024;   // request line and headers together; more: 431
  int max_headers = 100;                 // header fields; more: 431
  size_t stream_queue_bytes = 1024 * 1024;  // events queued for one slow SSE reader; more closes it
  millis stream_ping_interval{15'000};   // an SSE comment this often keeps proxies from timing out
  // Peers (IPs or CIDRs, e.g. a load balancer) whose X-Forwarded-For is
  // believed; from anyone else the header is ignored.
  std::vector<std::string> trusted_proxies;
};

struct database_settings {
  std::string driver = "sqlite";      // sqlite | postgres
  std::string dsn = "./tessera.db";   // a file path for sqlite, a libpq conninfo or URL for postgres
  int readers = 4;
};

struct registry_settings {
  millis heartbeat_interval{30'000};
  millis offline_after{90'000};
};

// The score math and why these defaults: protocol/reputation.hpp.
struct reputation_settings {
  double alpha = 0.1;  // how far one event of weight 1 moves the score, (0, 1]
  millis half_life = std::chrono::hours(720);  // decay toward the prior
  int trusted_min_events = 10;  // credited events before the Trusted badge can show
  // Each event kind's weight; the loader accepts exactly these names.
  std::map<std::string, double> weights = {
      {"registered", 1},          {"heartbeat_kept", 0.1},       {"heartbeat_missed", 0.5},
      {"verification_passed", 3}, {"verification_failed", 2},    {"call_success", 0.5},
      {"call_error", 1},          {"call_timeout", 0.75},        {"review_positive", 1.5},
      {"review_negative", 1.5},
  };
};

struct auth_settings {
  millis signature_max_skew{300'000};
  // Nonces of registered agents' signatures kept for the skew window, and
  // how many of them one key may hold (a tenth of the capacity, at least 16,
  // is kept apart for registration requests, whose keys are new).
  int replay_capacity = 1'000'000;
  int replay_per_key = 10'000;
  // Where the window is shared by the nodes: auto | memory | database | redis
  // (actors/node.hpp: replay_store_of).
  std::string replay_store = "auto";
  // true: every route that is not public demands valid credentials. false
  // (development): reads may be anonymous, writes never are.
  bool required = false;
};

struct user_auth_settings {
  bool enabled = false;                  // accounts, JWT sessions, API keys, provider/admin APIs
  std::string jwt_secret;                // HS256 key, >= 32 bytes; required when enabled (not --dev)
  millis access_ttl{15 * 60'000};
  millis refresh_ttl{168 * 3600'000};
  millis claim_token_ttl{10 * 60'000};
  int password_hash_ops = 2;                     // Argon2id passes (libsodium INTERACTIVE)
  size_t password_hash_memory = 64 * 1024 * 1024;  // Argon2id memory (libsodium INTERACTIVE)
  // Argon2id runs on this many workers (0: half the cores, at least one, so
  // a flood of sign-ups can't take every core), and at most password_queue
  // wait for one (more: 503 with Retry-After).
  int password_workers = 0;
  int password_queue = 32;
  // Register, login and password changes per address per minute (a bucket
  // that holds as many), when rate_limit.enabled; over it: 429.
  int password_requests_per_minute = 30;
  int login_max_failures = 5;            // per account per window; per IP: 4x this
  millis login_window{15 * 60'000};
};

struct rate_limit_settings {
  bool enabled = true;
  double requests_per_sec = 100;  // refill rate of each bucket: per IP, per user, per agent
  int burst_size = 200;           // bucket capacity
  int max_connections = 1000;     // open HTTP connections, idle ones included; more get 503
  int max_connections_per_address = 256;  // ... from one client address (not trusted proxies)
};

struct security_settings {
  // Ranges (IPs or CIDRs) that outbound requests (endpoint verification) may
  // reach although they are loopback, private or otherwise blocked
  // (protocol/address_class.hpp). Empty: only public addresses.
  std::vector<std::string> allow_cidrs;
};

struct verifier_settings {
  millis nonce_ttl{300'000};     // a challenge is good for this long, once
  millis min_interval{60'000};   // between two verifications of one agent
  millis timeout{5'000};         // total time for the outbound request
  size_t max_response = 4096;    // bytes; a longer answer fails
  int workers = 4;               // outbound requests at once (detached actors)
  int queue_size = 64;           // verifications waiting for a worker, in all
};

// TURN servers handed to signaling clients, with credentials in coturn's
// shared-secret scheme (use-auth-secret / static-auth-secret).
struct turn_settings {
  std::vector<std::string> urls;  // stun:, turn: and turns: URLs
  std::string secret;             // coturn's static-auth-secret; "" hands out the urls only
  millis credential_ttl{3'600'000};  // how long a minted credential is good for
};

struct signaling_settings {
  bool enabled = true;
  // The WebSocket is served on server.http_addr at /api/v1/signaling; a
  // second listener only for it, when set (operators who split the ports).
  std::string ws_addr;
  // The WebSocket URL told to clients (426 and /api/v1/signaling/info); "":
  // server.public_url as ws:// or wss:// [with the ws_addr port] + /api/v1/signaling.
  std::string public_url;
  millis auth_timeout{5'000};     // from the challenge to a valid auth frame
  int max_unauthenticated_per_address = 16;  // connections not yet authenticated, per address
  size_t max_frame_bytes = 64 * 1024;
  double frames_per_sec = 10;     // per connection, refill of a token bucket...
  int frame_burst = 20;           // ...of this capacity; sustained excess closes
  int max_connections = 10'000;   // WebSocket connections at once, per node
  millis idle_timeout{60'000};    // nothing heard (frames, pongs) for this long closes
  bool require_contacts = true;   // offer/answer/ice_candidate/relay_* only between mutual contacts
  std::string broker = "local";   // local | redis
  std::string node_id;            // this node's name in the broker; "": random at start
  millis presence_ttl{30'000};    // Redis presence keys expire unless refreshed (at a third of it)
  double relay_bytes_per_sec = 256 * 1024;  // relay_data payload bytes per connection...
  size_t relay_burst_bytes = 1024 * 1024;   // ...token bucket capacity
  size_t relay_daily_bytes = 1024ull * 1024 * 1024;  // per agent per UTC day, per node
  int offline_queue_size = 100;             // queued frames per offline agent
  millis offline_queue_max_age{3'600'000};  // a queued frame expires after this
  int offline_queue_total = 100'000;        // queued frames per node, all agents
  turn_settings turn;
};

// The registry watch (GET /api/v1/agents/watch).
struct watch_settings {
  int history_size = 10'000;       // events kept for watchers that reconnect (Last-Event-ID)
  millis history_age{600'000};     // ... and for at most this long
  int max_streams = 20'000;        // watch streams open at once, per node
};

// The protocol bridge: /mcp/{agent_id} (and, as they land, /a2a and /acp).
struct bridge_settings {
  bool enabled = true;
  std::string policy = "open";          // who may call agents: open | users | contacts
  // Ranges the bridge may call although they are loopback, private or reserved: its own
  // list, apart from security.allow_cidrs (verification), since a call is a full relay.
  std::vector<std::string> allow_cidrs;
  // The node's Ed25519 key (base64url seed): it signs every outbound call. "": a random
  // key at each start, so agents can't pin it.
  std::string node_key;
  millis call_timeout{30'000};          // from a call until the agent's answer starts
  millis stream_idle_timeout{60'000};   // the longest silence in a streamed answer
  millis stream_max_duration{3'600'000};  // the longest a streamed answer may last
  size_t max_response_bytes = 16u << 20;  // of one answer, streamed or not
  double caller_calls_per_sec = 10;     // calls through the bridge per caller (agent, user or
  int caller_burst = 20;                // address), a token bucket; more: 429
  double agent_calls_per_sec = 50;      // calls to one agent, all callers together, per node
  int agent_burst = 100;
  int max_sessions = 10'000;            // MCP sessions held at once, per node
  millis session_ttl{1'800'000};        // an MCP session unused this long ends
};

struct redis_settings {
  std::string addr = "127.0.0.1:6379";  // host:port
  std::string password;                 // usually ${REDIS_PASSWORD}; "" sends no AUTH
  int db = 0;
};

struct audit_log_settings {
  std::string output = "stdout";  // stdout | file:PATH
};

struct logging_settings {
  std::string level = "info";  // trace | debug | info | warn | error | off
  std::string format = "text";  // text | json
};

struct actors_settings {
  int threads = 0;  // 0: one per core
};

struct settings {
  server_settings server;
  database_settings database;
  registry_settings registry;
  reputation_settings reputation;
  auth_settings auth;
  user_auth_settings user_auth;
  rate_limit_settings rate_limit;
  security_settings security;
  verifier_settings verifier;
  signaling_settings signaling;
  watch_settings watch;
  bridge_settings bridge;
  redis_settings redis;
  audit_log_settings audit_log;
  logging_settings logging;
  actors_settings actors;
};

}  // namespace tessera::config
