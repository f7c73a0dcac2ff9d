#include <boost/test/unit_test.hpp>

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <string>

#include "config/load.hpp"
#include "config/startup_checks.hpp"

using namespace tessera::config;
using namespace std::chrono_literals;

namespace {

// A fake environment, so tests never depend on (or leak into) the real one.
env_lookup fake_env(std::map<std::string, std::string> vars = {}) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

load_result load(const std::string& text, std::map<std::string, std::string> vars = {}) {
  return load_yaml(text, fake_env(std::move(vars)));
}

// The single error of a load that must fail exactly once.
config_error only_error(const load_result& result) {
  std::string listed;
  for (const auto& error : result.errors) listed += " [" + error.key + "] " + error.message;
  BOOST_TEST_REQUIRE(result.errors.size() == 1u, "errors:" << listed);
  return result.errors.front();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

void check_equal(const settings& a, const settings& b) {
  BOOST_TEST(a.server.http_addr == b.server.http_addr);
  BOOST_TEST(a.server.public_url == b.server.public_url);
  BOOST_TEST(a.server.cors_origins == b.server.cors_origins);
  BOOST_TEST(a.server.request_timeout.count() == b.server.request_timeout.count());
  BOOST_TEST(a.server.max_body_bytes == b.server.max_body_bytes);
  BOOST_TEST(a.server.http_threads == b.server.http_threads);
  BOOST_TEST(a.server.trusted_proxies == b.server.trusted_proxies,
             boost::test_tools::per_element());
  BOOST_TEST(a.database.driver == b.database.driver);
  BOOST_TEST(a.database.dsn == b.database.dsn);
  BOOST_TEST(a.database.readers == b.database.readers);
  BOOST_TEST(a.registry.heartbeat_interval.count() == b.registry.heartbeat_interval.count());
  BOOST_TEST(a.registry.offline_after.count() == b.registry.offline_after.count());
  BOOST_TEST(a.reputation.alpha == b.reputation.alpha);
  BOOST_TEST(a.reputation.half_life.count() == b.reputation.half_life.count());
  BOOST_TEST(a.reputation.trusted_min_events == b.reputation.trusted_min_events);
  BOOST_TEST((a.reputation.weights == b.reputation.weights));
  BOOST_TEST(a.auth.signature_max_skew.count() == b.auth.signature_max_skew.count());
  BOOST_TEST(a.auth.required == b.auth.required);
  BOOST_TEST(a.user_auth.enabled == b.user_auth.enabled);
  BOOST_TEST(a.user_auth.jwt_secret == b.user_auth.jwt_secret);
  BOOST_TEST(a.user_auth.access_ttl.count() == b.user_auth.access_ttl.count());
  BOOST_TEST(a.user_auth.refresh_ttl.count() == b.user_auth.refresh_ttl.count());
  BOOST_TEST(a.user_auth.claim_token_ttl.count() == b.user_auth.claim_token_ttl.count());
  BOOST_TEST(a.user_auth.password_hash_ops == b.user_auth.password_hash_ops);
  BOOST_TEST(a.user_auth.password_hash_memory == b.user_auth.password_hash_memory);
  BOOST_TEST(a.user_auth.login_max_failures == b.user_auth.login_max_failures);
  BOOST_TEST(a.user_auth.login_window.count() == b.user_auth.login_window.count());
  BOOST_TEST(a.rate_limit.enabled == b.rate_limit.enabled);
  BOOST_TEST(a.rate_limit.requests_per_sec == b.rate_limit.requests_per_sec);
  BOOST_TEST(a.rate_limit.burst_size == b.rate_limit.burst_size);
  BOOST_TEST(a.rate_limit.max_connections == b.rate_limit.max_connections);
  BOOST_TEST(a.security.allow_cidrs == b.security.allow_cidrs, boost::test_tools::per_element());
  BOOST_TEST(a.verifier.nonce_ttl.count() == b.verifier.nonce_ttl.count());
  BOOST_TEST(a.verifier.min_interval.count() == b.verifier.min_interval.count());
  BOOST_TEST(a.verifier.timeout.count() == b.verifier.timeout.count());
  BOOST_TEST(a.verifier.max_response == b.verifier.max_response);
  BOOST_TEST(a.verifier.workers == b.verifier.workers);
  BOOST_TEST(a.signaling.enabled == b.signaling.enabled);
  BOOST_TEST(a.signaling.ws_addr == b.signaling.ws_addr);
  BOOST_TEST(a.signaling.public_url == b.signaling.public_url);
  BOOST_TEST(a.signaling.auth_timeout.count() == b.signaling.auth_timeout.count());
  BOOST_TEST(a.signaling.max_frame_bytes == b.signaling.max_frame_bytes);
  BOOST_TEST(a.signaling.frames_per_sec == b.signaling.frames_per_sec);
  BOOST_TEST(a.signaling.frame_burst == b.signaling.frame_burst);
  BOOST_TEST(a.signaling.max_connections == b.signaling.max_connections);
  BOOST_TEST(a.signaling.idle_timeout.count() == b.signaling.idle_timeout.count());
  BOOST_TEST(a.signaling.require_contacts == b.signaling.require_contacts);
  BOOST_TEST(a.signaling.broker == b.signaling.broker);
  BOOST_TEST(a.signaling.node_id == b.signaling.node_id);
  BOOST_TEST(a.signaling.presence_ttl.count() == b.signaling.presence_ttl.count());
  BOOST_TEST(a.signaling.relay_bytes_per_sec == b.signaling.relay_bytes_per_sec);
  BOOST_TEST(a.signaling.relay_burst_bytes == b.signaling.relay_burst_bytes);
  BOOST_TEST(a.signaling.relay_daily_bytes == b.signaling.relay_daily_bytes);
  BOOST_TEST(a.signaling.offline_queue_size == b.signaling.offline_queue_size);
  BOOST_TEST(a.signaling.offline_queue_max_age.count() ==
             b.signaling.offline_queue_max_age.count());
  BOOST_TEST(a.signaling.offline_queue_total == b.signaling.offline_queue_total);
  BOOST_TEST(a.signaling.turn.urls == b.signaling.turn.urls, boost::test_tools::per_element());
  BOOST_TEST(a.signaling.turn.secret == b.signaling.turn.secret);
  BOOST_TEST(a.signaling.turn.credential_ttl.count() == b.signaling.turn.credential_ttl.count());
  BOOST_TEST(a.redis.addr == b.redis.addr);
  BOOST_TEST(a.redis.password == b.redis.password);
  BOOST_TEST(a.redis.db == b.redis.db);
  BOOST_TEST(a.audit_log.output == b.audit_log.output);
  BOOST_TEST(a.logging.level == b.logging.level);
  BOOST_TEST(a.logging.format == b.logging.format);
  BOOST_TEST(a.actors.threads == b.actors.threads);
}

const char* const every_key = R"(
server:
  http_addr: "127.0.0.1:9000"
  public_url: "https://tessera.example.com"
  cors_origins: ["https://example.com", "http://localhost:3000", "*"]
  request_timeout: 1m30s
  max_body_bytes: 2MiB
  http_threads: 16
  trusted_proxies: ["10.0.0.0/8", "192.168.1.7", "fd00::/8", "::1"]
database:
  driver: postgres
  dsn: "host=db user=tessera dbname=tessera"
  readers: 8
registry:
  heartbeat_interval: 10s
  offline_after: 1m
reputation:
  alpha: 0.2
  half_life: 168h
  trusted_min_events: 25
  weights: {call_error: 2.5, review_positive: 0.25}
auth:
  signature_max_skew: 2m
  required: true
user_auth:
  enabled: true
  jwt_secret: "0123456789abcdef0123456789abcdef-and-more"
  access_ttl: 5m
  refresh_ttl: 720h
  claim_token_ttl: 30m
  password_hash_ops: 3
  password_hash_memory: 256MiB
  login_max_failures: 10
  login_window: 1h
rate_limit:
  enabled: false
  requests_per_sec: 2.5
  burst_size: 10
  max_connections: 500
security:
  allow_cidrs: ["127.0.0.0/8", "::1"]
verifier:
  nonce_ttl: 2m
  min_interval: 30s
  timeout: 1500ms
  max_response: 8KiB
  workers: 8
signaling:
  enabled: false
  ws_addr: "127.0.0.1:9001"
  public_url: "wss://signal.example.com/api/v1/signaling"
  auth_timeout: 2s
  max_frame_bytes: 32KiB
  frames_per_sec: 5.5
  frame_burst: 40
  max_connections: 2000
  idle_timeout: 2m
  require_contacts: false
  broker: redis
  node_id: node-a
  presence_ttl: 45s
  relay_bytes_per_sec: 1000
  relay_burst_bytes: 64KiB
  relay_daily_bytes: 10MiB
  offline_queue_size: 7
  offline_queue_max_age: 10m
  offline_queue_total: 500
  turn:
    urls: ["stun:stun.example.org", "turn:turn.example.org:3478?transport=udp", "turns:[2001:db8::1]:5349"]
    secret: "coturn-static-auth-secret"
    credential_ttl: 12h
redis:
  addr: "redis.internal:6380"
  password: "redis-pass"
  db: 3
audit_log:
  output: "file:/var/log/tessera/audit.log"
logging:
  level: debug
  format: json
actors:
  threads: 4
)";

}  // namespace

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(empty_input_gives_defaults) {
  for (const char* text : {"", "# nothing here\n", "server:\n"}) {
    auto result = load(text);
    BOOST_TEST(result.ok(), "input: " << text);
    check_equal(result.value, settings{});
  }
}

BOOST_AUTO_TEST_CASE(every_key_parses) {
  auto result = load(every_key);
  BOOST_TEST_REQUIRE(result.ok());
  const auto& s = result.value;
  BOOST_TEST(s.server.http_addr == "127.0.0.1:9000");
  BOOST_TEST(s.server.public_url == "https://tessera.example.com");
  BOOST_TEST(s.server.cors_origins ==
                 (std::vector<std::string>{"https://example.com", "http://localhost:3000", "*"}),
             boost::test_tools::per_element());
  BOOST_TEST(s.server.request_timeout.count() == 90'000);
  BOOST_TEST(s.server.max_body_bytes == 2u * 1024 * 1024);
  BOOST_TEST(s.server.http_threads == 16);
  BOOST_TEST(s.database.driver == "postgres");
  BOOST_TEST(s.database.dsn == "host=db user=tessera dbname=tessera");
  BOOST_TEST(s.database.readers == 8);
  BOOST_TEST(s.registry.heartbeat_interval.count() == 10'000);
  BOOST_TEST(s.registry.offline_after.count() == 60'000);
  BOOST_TEST(s.reputation.alpha == 0.2);
  BOOST_TEST(s.reputation.half_life.count() == 168 * 3'600'000LL);
  BOOST_TEST(s.reputation.trusted_min_events == 25);
  BOOST_TEST(s.reputation.weights.at("call_error") == 2.5);
  BOOST_TEST(s.reputation.weights.at("review_positive") == 0.25);
  BOOST_TEST(s.reputation.weights.at("call_success") == 0.5);  // not given: the default
  BOOST_TEST(s.auth.signature_max_skew.count() == 120'000);
  BOOST_TEST(s.server.trusted_proxies ==
                 (std::vector<std::string>{"10.0.0.0/8", "192.168.1.7", "fd00::/8", "::1"}),
             boost::test_tools::per_element());
  BOOST_TEST(s.auth.required);
  BOOST_TEST(s.user_auth.enabled);
  BOOST_TEST(s.user_auth.jwt_secret == "0123456789abcdef0123456789abcdef-and-more");
  BOOST_TEST(s.user_auth.access_ttl.count() == 300'000);
  BOOST_TEST(s.user_auth.refresh_ttl.count() == 720 * 3'600'000LL);
  BOOST_TEST(s.user_auth.claim_token_ttl.count() == 1'800'000);
  BOOST_TEST(s.user_auth.password_hash_ops == 3);
  BOOST_TEST(s.user_auth.password_hash_memory == 256u * 1024 * 1024);
  BOOST_TEST(s.user_auth.login_max_failures == 10);
  BOOST_TEST(s.user_auth.login_window.count() == 3'600'000);
  BOOST_TEST(!s.rate_limit.enabled);
  BOOST_TEST(s.rate_limit.requests_per_sec == 2.5);
  BOOST_TEST(s.rate_limit.burst_size == 10);
  BOOST_TEST(s.rate_limit.max_connections == 500);
  BOOST_TEST(s.security.allow_cidrs == (std::vector<std::string>{"127.0.0.0/8", "::1"}),
             boost::test_tools::per_element());
  BOOST_TEST(s.verifier.nonce_ttl.count() == 120'000);
  BOOST_TEST(s.verifier.min_interval.count() == 30'000);
  BOOST_TEST(s.verifier.timeout.count() == 1'500);
  BOOST_TEST(s.verifier.max_response == 8u * 1024);
  BOOST_TEST(s.verifier.workers == 8);
  BOOST_TEST(s.audit_log.output == "file:/var/log/tessera/audit.log");
  BOOST_TEST(s.logging.level == "debug");
  BOOST_TEST(s.logging.format == "json");
  BOOST_TEST(s.actors.threads == 4);
  BOOST_TEST(!s.signaling.enabled);
  BOOST_TEST(s.signaling.ws_addr == "127.0.0.1:9001");
  BOOST_TEST(s.signaling.public_url == "wss://signal.example.com/api/v1/signaling");
  BOOST_TEST(s.signaling.auth_timeout.count() == 2'000);
  BOOST_TEST(s.signaling.max_frame_bytes == 32u * 1024);
  BOOST_TEST(s.signaling.frames_per_sec == 5.5);
  BOOST_TEST(s.signaling.frame_burst == 40);
  BOOST_TEST(s.signaling.max_connections == 2000);
  BOOST_TEST(s.signaling.idle_timeout.count() == 120'000);
  BOOST_TEST(!s.signaling.require_contacts);
  BOOST_TEST(s.signaling.broker == "redis");
  BOOST_TEST(s.signaling.node_id == "node-a");
  BOOST_TEST(s.signaling.presence_ttl.count() == 45'000);
  BOOST_TEST(s.signaling.relay_bytes_per_sec == 1000);
  BOOST_TEST(s.signaling.relay_burst_bytes == 64u * 1024);
  BOOST_TEST(s.signaling.relay_daily_bytes == 10u * 1024 * 1024);
  BOOST_TEST(s.signaling.offline_queue_size == 7);
  BOOST_TEST(s.signaling.offline_queue_max_age.count() == 600'000);
  BOOST_TEST(s.signaling.offline_queue_total == 500);
  BOOST_TEST(s.signaling.turn.urls ==
                 (std::vector<std::string>{"stun:stun.example.org",
                                           "turn:turn.example.org:3478?transport=udp",
                                           "turns:[2001:db8::1]:5349"}),
             boost::test_tools::per_element());
  BOOST_TEST(s.signaling.turn.secret == "coturn-static-auth-secret");
  BOOST_TEST(s.signaling.turn.credential_ttl.count() == 12 * 3'600'000LL);
  BOOST_TEST(s.redis.addr == "redis.internal:6380");
  BOOST_TEST(s.redis.password == "redis-pass");
  BOOST_TEST(s.redis.db == 3);
}

BOOST_AUTO_TEST_CASE(http_addr_forms) {
  for (const char* addr : {":8080", "0.0.0.0:80", "[::1]:8443", "[::]:1", "localhost:65535",
                           "api.example.com:443"}) {
    auto result = load(std::string("server: {http_addr: \"") + addr + "\"}");
    BOOST_TEST(result.ok(), addr);
    BOOST_TEST(result.value.server.http_addr == addr);
  }
  for (const char* addr : {"8080", ":0", ":65536", ":http", "::1:8080", "[::1]", "[zz]:80",
                           "256.0.0.1:80", "bad host:80", "-a.com:80", ""}) {
    auto result = load(std::string("server: {http_addr: \"") + addr + "\"}");
    BOOST_TEST(only_error(result).key == "server.http_addr", addr);
  }
  BOOST_TEST(contains(only_error(load("server: {http_addr: \"::1:8080\"}")).message, "brackets"));
}

BOOST_AUTO_TEST_CASE(cors_origins_are_checked_one_by_one) {
  auto result = load(R"(server: {cors_origins: ["https://ok.com", "https://x.com/", "ftp://x.com",
                                                "https://[::1]:8443", "https://y.com:0"]})");
  BOOST_TEST_REQUIRE(result.errors.size() == 3u);
  BOOST_TEST(result.errors[0].key == "server.cors_origins[1]");
  BOOST_TEST(contains(result.errors[0].message, "no path"));
  BOOST_TEST(result.errors[1].key == "server.cors_origins[2]");
  BOOST_TEST(result.errors[2].key == "server.cors_origins[4]");
  BOOST_TEST(result.value.server.cors_origins.empty());  // a half-valid list is not applied

  BOOST_TEST(only_error(load("server: {cors_origins: \"*\"}")).key == "server.cors_origins");
  BOOST_TEST(load("server: {cors_origins: []}").ok());
}

BOOST_AUTO_TEST_CASE(max_body_bytes_accepts_units) {
  std::map<std::string, size_t> cases = {
      {"1024", 1024}, {"512KiB", 512 * 1024}, {"1MiB", 1024 * 1024}, {"64MiB", 64 * 1024 * 1024},
      {"4096B", 4096}, {"2 MiB", 2 * 1024 * 1024}};
  for (const auto& [text, bytes] : cases) {
    auto result = load("server: {max_body_bytes: " + text + "}");
    BOOST_TEST(result.ok(), text);
    BOOST_TEST(result.value.server.max_body_bytes == bytes, text);
  }
  for (const char* text : {"1023", "65MiB", "1MB", "1.5MiB", "MiB", "-1", "99999999999999999999"}) {
    auto result = load(std::string("server: {max_body_bytes: \"") + text + "\"}");
    BOOST_TEST(only_error(result).key == "server.max_body_bytes", text);
  }
}

BOOST_AUTO_TEST_CASE(env_substitution) {
  auto result = load(R"(
server:
  http_threads: ${THREADS:-8}
  http_addr: ${HOST:-0.0.0.0}:${PORT}
database:
  dsn: "host=db password=${DB_PASSWORD} user=${DB_USER:-tessera} note=$$5"
logging:
  level: ${LEVEL:-warn}
  format: ${FORMAT:-text}
)",
                     {{"THREADS", "12"}, {"PORT", "9000"}, {"DB_PASSWORD", "s3cret"},
                      {"FORMAT", "json"}});
  BOOST_TEST_REQUIRE(result.ok());
  BOOST_TEST(result.value.server.http_threads == 12);
  BOOST_TEST(result.value.server.http_addr == "0.0.0.0:9000");
  BOOST_TEST(result.value.database.dsn == "host=db password=s3cret user=tessera note=$5");
  BOOST_TEST(result.value.logging.level == "warn");
  BOOST_TEST(result.value.logging.format == "json");
}

BOOST_AUTO_TEST_CASE(env_substitution_in_lists_and_defaults) {
  auto result = load("server: {cors_origins: [\"${ORIGIN}\", \"${OTHER:-*}\"]}",
                     {{"ORIGIN", "https://app.example.com"}});
  BOOST_TEST_REQUIRE(result.ok());
  BOOST_TEST(result.value.server.cors_origins ==
                 (std::vector<std::string>{"https://app.example.com", "*"}),
             boost::test_tools::per_element());
  // The default becomes the value before conversion, so it is type-checked like any value.
  BOOST_TEST(only_error(load("server: {http_threads: \"${T:-lots}\"}")).key ==
             "server.http_threads");
}

BOOST_AUTO_TEST_CASE(empty_env_var_counts_as_set) {
  auto result = load("database: {dsn: \"x${SUFFIX}\"}\nlogging: {level: \"${L:-info}${E}\"}",
                     {{"SUFFIX", ""}, {"E", ""}});
  BOOST_TEST_REQUIRE(result.ok());
  BOOST_TEST(result.value.database.dsn == "x");
  auto with_default = load("database: {dsn: \"${EMPTY:-fallback}x\"}", {{"EMPTY", ""}});
  BOOST_TEST(with_default.value.database.dsn == "x");
}

BOOST_AUTO_TEST_CASE(unset_env_var_names_key_and_variable) {
  auto error = only_error(load("database:\n  dsn: \"host=db password=${DB_PASSWORD}\"\n"));
  BOOST_TEST(error.key == "database.dsn");
  BOOST_TEST(error.message ==
             "environment variable DB_PASSWORD is not set (use ${DB_PASSWORD:-default} for a "
             "default)");

  auto two = load("server: {http_addr: \"${HOST}:${PORT}\"}");
  BOOST_TEST_REQUIRE(two.errors.size() == 2u);
  BOOST_TEST(contains(two.errors[0].message, "HOST"));
  BOOST_TEST(contains(two.errors[1].message, "PORT"));
  BOOST_TEST(two.value.server.http_addr == ":8080");
}

BOOST_AUTO_TEST_CASE(malformed_substitutions) {
  for (const char* text : {"a$b", "${UNCLOSED", "${}", "${1X}", "${A B}", "$"}) {
    auto result = load(std::string("database: {dsn: \"") + text + "\"}", {{"A", "1"}});
    BOOST_TEST(!result.ok(), text);
    BOOST_TEST(result.errors.front().key == "database.dsn", text);
  }
}

BOOST_AUTO_TEST_CASE(unknown_keys_with_suggestions) {
  auto error = only_error(load("server:\n  http_adr: \":9000\"\n"));
  BOOST_TEST(error.key == "server.http_adr");
  BOOST_TEST(error.message == "unknown key (did you mean server.http_addr?)");

  auto section = only_error(load("servr: {}"));
  BOOST_TEST(section.key == "servr");
  BOOST_TEST(section.message == "unknown key (did you mean server?)");

  auto far = only_error(load("database: {flavour: sqlite}"));
  BOOST_TEST(far.key == "database.flavour");
  BOOST_TEST(far.message == "unknown key");
}

BOOST_AUTO_TEST_CASE(duplicate_keys_are_errors) {
  auto error = only_error(load("logging:\n  level: debug\n  level: warn\n"));
  BOOST_TEST(error.key == "logging.level");
  BOOST_TEST(error.message == "duplicate key");
}

BOOST_AUTO_TEST_CASE(every_problem_is_reported_at_once) {
  auto result = load(R"(
server:
  http_threads: 0
  request_timeout: 10
  colour: blue
database:
  driver: mysql
  readers: 4
logging:
  level: loud
actors: [1, 2]
extra: 1
)");
  std::vector<std::string> keys;
  for (const auto& error : result.errors) keys.push_back(error.key);
  std::vector<std::string> expected = {"server.http_threads", "server.request_timeout",
                                       "server.colour",       "database.driver",
                                       "logging.level",       "actors",
                                       "extra"};
  BOOST_TEST(keys == expected, boost::test_tools::per_element());
  // What parsed cleanly is still applied; what did not keeps its default.
  BOOST_TEST(result.value.database.readers == 4);
  BOOST_TEST(result.value.server.http_threads == settings{}.server.http_threads);
  BOOST_TEST(result.value.database.driver == "sqlite");
}

BOOST_AUTO_TEST_CASE(wrong_types_name_key_and_expected_type) {
  auto list = only_error(load("server: {http_threads: [1, 2]}"));
  BOOST_TEST(list.key == "server.http_threads");
  BOOST_TEST(contains(list.message, "expected an integer between 1 and 256, got a list"));

  auto map = only_error(load("registry: {heartbeat_interval: {s: 1}}"));
  BOOST_TEST(map.key == "registry.heartbeat_interval");
  BOOST_TEST(contains(map.message, "expected a duration"));

  auto word = only_error(load("database: {readers: many}"));
  BOOST_TEST(word.key == "database.readers");
  BOOST_TEST(contains(word.message, "integer"));

  auto empty = only_error(load("database: {dsn: }"));
  BOOST_TEST(empty.key == "database.dsn");
  BOOST_TEST(contains(empty.message, "got no value"));

  BOOST_TEST(only_error(load("server: 5")).key == "server");
  BOOST_TEST(only_error(load("- server")).key == "");
  BOOST_TEST(only_error(load("just text")).key == "");
}

BOOST_AUTO_TEST_CASE(out_of_range_values) {
  std::vector<std::pair<std::string, std::string>> cases = {
      {"server: {http_threads: 257}", "server.http_threads"},
      {"server: {request_timeout: 99ms}", "server.request_timeout"},
      {"server: {request_timeout: 10m1ms}", "server.request_timeout"},
      {"database: {readers: 0}", "database.readers"},
      {"database: {readers: 65}", "database.readers"},
      {"database: {dsn: \"\"}", "database.dsn"},
      {"registry: {heartbeat_interval: 999ms}", "registry.heartbeat_interval"},
      {"registry: {offline_after: 25h}", "registry.offline_after"},
      {"auth: {signature_max_skew: 2h}", "auth.signature_max_skew"},
      {"logging: {format: xml}", "logging.format"},
      {"actors: {threads: -1}", "actors.threads"},
      {"actors: {threads: 257}", "actors.threads"},
  };
  for (const auto& [text, key] : cases) BOOST_TEST(only_error(load(text)).key == key, text);

  auto edges = load(R"(
server: {request_timeout: 100ms, http_threads: 256}
registry: {heartbeat_interval: 1h, offline_after: 24h}
auth: {signature_max_skew: 1s}
actors: {threads: 0}
)");
  BOOST_TEST(edges.ok());
}

BOOST_AUTO_TEST_CASE(account_and_limit_defaults) {
  auto result = load("");
  BOOST_TEST_REQUIRE(result.ok());
  const auto& s = result.value;
  BOOST_TEST(s.server.trusted_proxies.empty());
  BOOST_TEST(!s.auth.required);
  BOOST_TEST(!s.user_auth.enabled);
  BOOST_TEST(s.user_auth.jwt_secret.empty());
  BOOST_TEST(format_duration(s.user_auth.access_ttl) == "15m");
  BOOST_TEST(format_duration(s.user_auth.refresh_ttl) == "168h");
  BOOST_TEST(format_duration(s.user_auth.claim_token_ttl) == "10m");
  BOOST_TEST(s.user_auth.password_hash_ops == 2);
  BOOST_TEST(s.user_auth.password_hash_memory == 64u * 1024 * 1024);
  BOOST_TEST(s.user_auth.login_max_failures == 5);
  BOOST_TEST(format_duration(s.user_auth.login_window) == "15m");
  BOOST_TEST(s.rate_limit.enabled);
  BOOST_TEST(s.rate_limit.requests_per_sec == 100.0);
  BOOST_TEST(s.rate_limit.burst_size == 200);
  BOOST_TEST(s.rate_limit.max_connections == 1000);
  BOOST_TEST(s.security.allow_cidrs.empty());
  BOOST_TEST(s.audit_log.output == "stdout");
}

BOOST_AUTO_TEST_CASE(trusted_proxies_are_addresses_or_ranges) {
  auto good = load(R"(server: {trusted_proxies: ["127.0.0.1", "10.1.0.0/16", "::1", "[::1]",
                                                 "2001:db8::/32", "0.0.0.0/0"]})");
  BOOST_TEST_REQUIRE(good.ok());
  BOOST_TEST(good.value.server.trusted_proxies.size() == 6u);

  auto bad = load(R"(server: {trusted_proxies: ["10.0.0.1", "10.0.0.1/8", "proxy.internal",
                                                "10.0.0.0/33", "", {a: 1}, "1.2.3"]})");
  std::vector<std::string> keys;
  for (const auto& error : bad.errors) keys.push_back(error.key);
  std::vector<std::string> expected = {
      "server.trusted_proxies[1]", "server.trusted_proxies[2]", "server.trusted_proxies[3]",
      "server.trusted_proxies[4]", "server.trusted_proxies[5]", "server.trusted_proxies[6]"};
  BOOST_TEST(keys == expected, boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(!bad.errors.empty());
  BOOST_TEST(contains(bad.errors[0].message, "without host bits"));
  BOOST_TEST(contains(bad.errors[0].message, "\"10.0.0.1/8\""));
  BOOST_TEST(contains(bad.errors[4].message, "expected an address or CIDR range string"));
  BOOST_TEST(bad.value.server.trusted_proxies.empty());  // a half-valid list is not applied

  auto scalar = only_error(load("server: {trusted_proxies: 10.0.0.0/8}"));
  BOOST_TEST(scalar.key == "server.trusted_proxies");
  BOOST_TEST(contains(scalar.message, "expected a list of IP addresses or CIDR ranges"));
  auto from_env = load("server: {trusted_proxies: [\"${LB}\"]}", {{"LB", "172.16.0.0/12"}});
  BOOST_TEST_REQUIRE(from_env.ok());
  BOOST_TEST(from_env.value.server.trusted_proxies.front() == "172.16.0.0/12");
}

BOOST_AUTO_TEST_CASE(allow_cidrs_are_addresses_or_ranges) {
  auto good = load(R"(security: {allow_cidrs: ["127.0.0.0/8", "::1", "[::1]", "10.1.0.0/16",
                                               "fd00::/8", "169.254.169.254"]})");
  BOOST_TEST_REQUIRE(good.ok());
  BOOST_TEST(good.value.security.allow_cidrs.size() == 6u);

  auto bad = load(R"(security: {allow_cidrs: ["127.0.0.1/8", "localhost", "10.0.0.0/33", "",
                                              [1], "fe80::1%eth0"]})");
  std::vector<std::string> keys;
  for (const auto& error : bad.errors) keys.push_back(error.key);
  std::vector<std::string> expected = {"security.allow_cidrs[0]", "security.allow_cidrs[1]",
                                       "security.allow_cidrs[2]", "security.allow_cidrs[3]",
                                       "security.allow_cidrs[4]", "security.allow_cidrs[5]"};
  BOOST_TEST(keys == expected, boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(!bad.errors.empty());
  BOOST_TEST(contains(bad.errors[0].message, "without host bits"));
  BOOST_TEST(contains(bad.errors[0].message, "\"127.0.0.1/8\""));
  BOOST_TEST(bad.value.security.allow_cidrs.empty());  // a half-valid list is not applied

  auto scalar = only_error(load("security: {allow_cidrs: 127.0.0.0/8}"));
  BOOST_TEST(scalar.key == "security.allow_cidrs");
  BOOST_TEST(contains(scalar.message, "expected a list of IP addresses or CIDR ranges"));
  BOOST_TEST(only_error(load("security: {allow_cidr: []}")).message ==
             "unknown key (did you mean security.allow_cidrs?)");

  settings s;
  s.security.allow_cidrs = {"127.0.0.0/8", "::1"};
  auto reloaded = load(to_yaml(s));
  BOOST_TEST_REQUIRE(reloaded.ok());
  BOOST_TEST(reloaded.value.security.allow_cidrs == s.security.allow_cidrs,
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(booleans_are_true_or_false) {
  auto result = load("auth: {required: true}\nuser_auth: {enabled: true}\n"
                     "rate_limit: {enabled: false}");
  BOOST_TEST_REQUIRE(result.ok());
  BOOST_TEST(result.value.auth.required);
  BOOST_TEST(result.value.user_auth.enabled);
  BOOST_TEST(!result.value.rate_limit.enabled);
  BOOST_TEST(load("user_auth: {enabled: \"${ACCOUNTS:-false}\"}").ok());

  for (const char* text : {"yes", "no", "on", "1", "True", "\"\""}) {
    auto error = only_error(load(std::string("auth: {required: ") + text + "}"));
    BOOST_TEST(error.key == "auth.required", text);
    BOOST_TEST(contains(error.message, "must be true or false"), text);
  }
  auto list = only_error(load("rate_limit: {enabled: [true]}"));
  BOOST_TEST(list.key == "rate_limit.enabled");
  BOOST_TEST(list.message == "expected true or false, got a list");
  BOOST_TEST(only_error(load("user_auth: {enabled: }")).key == "user_auth.enabled");
}

BOOST_AUTO_TEST_CASE(account_and_limit_ranges) {
  std::vector<std::pair<std::string, std::string>> cases = {
      {"user_auth: {access_ttl: 59s}", "user_auth.access_ttl"},
      {"user_auth: {access_ttl: 24h1ms, refresh_ttl: 48h}", "user_auth.access_ttl"},
      {"user_auth: {refresh_ttl: 2160h1ms}", "user_auth.refresh_ttl"},
      {"user_auth: {access_ttl: 1m, refresh_ttl: 59s}", "user_auth.refresh_ttl"},
      {"user_auth: {claim_token_ttl: 59s}", "user_auth.claim_token_ttl"},
      {"user_auth: {claim_token_ttl: 25h}", "user_auth.claim_token_ttl"},
      {"user_auth: {password_hash_ops: 0}", "user_auth.password_hash_ops"},
      {"user_auth: {password_hash_ops: 11}", "user_auth.password_hash_ops"},
      {"user_auth: {password_hash_memory: 8191}", "user_auth.password_hash_memory"},
      {"user_auth: {password_hash_memory: 5GiB}", "user_auth.password_hash_memory"},
      {"user_auth: {password_hash_memory: 64MB}", "user_auth.password_hash_memory"},
      {"user_auth: {login_max_failures: 0}", "user_auth.login_max_failures"},
      {"user_auth: {login_max_failures: 1001}", "user_auth.login_max_failures"},
      {"user_auth: {login_window: 999ms}", "user_auth.login_window"},
      {"user_auth: {login_window: 25h}", "user_auth.login_window"},
      {"user_auth: {login_window: 15}", "user_auth.login_window"},
      {"rate_limit: {burst_size: 0}", "rate_limit.burst_size"},
      {"rate_limit: {burst_size: 1000001}", "rate_limit.burst_size"},
      {"rate_limit: {max_connections: 0}", "rate_limit.max_connections"},
      {"rate_limit: {max_connections: 100001}", "rate_limit.max_connections"},
  };
  for (const auto& [text, key] : cases) BOOST_TEST(only_error(load(text)).key == key, text);

  auto low = load(R"(
user_auth: {access_ttl: 1m, refresh_ttl: 1m, claim_token_ttl: 1m, password_hash_ops: 1,
            password_hash_memory: 8KiB, login_max_failures: 1, login_window: 1s}
rate_limit: {burst_size: 1, max_connections: 1}
)");
  BOOST_TEST(low.ok());
  auto high = load(R"(
user_auth: {access_ttl: 24h, refresh_ttl: 2160h, claim_token_ttl: 24h, password_hash_ops: 10,
            password_hash_memory: 4GiB, login_max_failures: 1000, login_window: 24h}
rate_limit: {burst_size: 1000000, max_connections: 100000}
)");
  BOOST_TEST_REQUIRE(high.ok());
  BOOST_TEST(high.value.user_auth.password_hash_memory == 4ull * 1024 * 1024 * 1024);
}

BOOST_AUTO_TEST_CASE(refresh_ttl_must_cover_access_ttl) {
  auto error = only_error(load("user_auth: {access_ttl: 2h, refresh_ttl: 1h}"));
  BOOST_TEST(error.key == "user_auth.refresh_ttl");
  BOOST_TEST(error.message == "must be at least user_auth.access_ttl (2h), got 1h");
  BOOST_TEST(load("user_auth: {access_ttl: 2h, refresh_ttl: 2h}").ok());
  // Against the default access_ttl (15m) too.
  BOOST_TEST(only_error(load("user_auth: {refresh_ttl: 10m}")).key == "user_auth.refresh_ttl");
  // A broken access_ttl is reported once, not again as a comparison.
  BOOST_TEST(only_error(load("user_auth: {access_ttl: soon, refresh_ttl: 1m}")).key ==
             "user_auth.access_ttl");
}

BOOST_AUTO_TEST_CASE(requests_per_sec_is_a_positive_number) {
  std::map<std::string, double> good = {
      {"100", 100}, {"0.5", 0.5}, {"1e6", 1e6}, {"1000000", 1e6}, {"0.001", 0.001}};
  for (const auto& [text, value] : good) {
    auto result = load("rate_limit: {requests_per_sec: " + text + "}");
    BOOST_TEST_REQUIRE(result.ok(), text);
    BOOST_TEST(result.value.rate_limit.requests_per_sec == value, text);
  }
  for (const char* text : {"0", "-1", "1000000.5", "1e7", "nan", "inf", "fast", "1/s", " 5",
                           "+5", ""}) {
    auto error =
        only_error(load(std::string("rate_limit: {requests_per_sec: \"") + text + "\"}"));
    BOOST_TEST(error.key == "rate_limit.requests_per_sec", text);
    BOOST_TEST(contains(error.message, "greater than 0 and at most 1000000"), text);
  }
}

BOOST_AUTO_TEST_CASE(audit_log_output_is_stdout_or_a_file) {
  for (const char* output : {"stdout", "file:/var/log/audit.log", "file:audit.log"}) {
    auto result = load(std::string("audit_log: {output: \"") + output + "\"}");
    BOOST_TEST_REQUIRE(result.ok(), output);
    BOOST_TEST(result.value.audit_log.output == output);
  }
  for (const char* output : {"stderr", "file:", "", "/var/log/audit.log", "FILE:/x", "syslog"}) {
    auto error = only_error(load(std::string("audit_log: {output: \"") + output + "\"}"));
    BOOST_TEST(error.key == "audit_log.output", output);
    BOOST_TEST(contains(error.message, "must be stdout or file:PATH"), output);
  }
  BOOST_TEST(only_error(load("audit_log: {output: [stdout]}")).key == "audit_log.output");
}

BOOST_AUTO_TEST_CASE(jwt_secret_loads_and_is_never_printed) {
  std::string secret = "k3Y-0123456789abcdef0123456789abcdef";
  auto result = load("user_auth: {enabled: true, jwt_secret: \"${JWT}\"}", {{"JWT", secret}});
  BOOST_TEST_REQUIRE(result.ok());
  BOOST_TEST(result.value.user_auth.jwt_secret == secret);
  std::string yaml = to_yaml(result.value);
  BOOST_TEST(!contains(yaml, secret));
  BOOST_TEST(!contains(yaml, "k3Y"));
  BOOST_TEST(contains(yaml, "jwt_secret: \"***\""), yaml);
  // Unset prints as empty, so --print-config still tells the two apart.
  BOOST_TEST(load(to_yaml(settings{})).value.user_auth.jwt_secret.empty());
  BOOST_TEST(redact_secret("") == "");
  BOOST_TEST(redact_secret("x") == "***");

  BOOST_TEST(only_error(load("user_auth: {jwt_secret: [a]}")).key == "user_auth.jwt_secret");
  BOOST_TEST(only_error(load("user_auth: {jwt_secret: \"${UNSET_SECRET}\"}")).key ==
             "user_auth.jwt_secret");
}

BOOST_AUTO_TEST_CASE(startup_checks_leave_disabled_accounts_alone) {
  settings s;
  s.user_auth.jwt_secret = "short";
  for (auto mode : {run_mode::deployment, run_mode::dev}) {
    auto checked = check_for_mode(s, mode);
    BOOST_TEST(checked.ok());
    BOOST_TEST(checked.warnings.empty());
    BOOST_TEST(s.user_auth.jwt_secret == "short");
  }
}

BOOST_AUTO_TEST_CASE(startup_checks_demand_a_long_secret_outside_dev) {
  settings s;
  s.user_auth.enabled = true;
  auto missing = check_for_mode(s, run_mode::deployment);
  BOOST_TEST_REQUIRE(missing.errors.size() == 1u);
  BOOST_TEST(missing.errors[0].key == "user_auth.jwt_secret");
  BOOST_TEST(contains(missing.errors[0].message, "must be set when user_auth.enabled is true"));
  BOOST_TEST(contains(missing.errors[0].message, "openssl rand -base64 48"));
  BOOST_TEST(contains(missing.errors[0].message, "--dev"));
  BOOST_TEST(s.user_auth.jwt_secret.empty());

  s.user_auth.jwt_secret = std::string(10, 'x');
  auto short_secret = check_for_mode(s, run_mode::deployment);
  BOOST_TEST_REQUIRE(short_secret.errors.size() == 1u);
  BOOST_TEST(short_secret.errors[0].key == "user_auth.jwt_secret");
  BOOST_TEST(contains(short_secret.errors[0].message, "at least 32 bytes, got 10"));
  BOOST_TEST(contains(short_secret.errors[0].message, "openssl rand -base64 48"));
  BOOST_TEST(!contains(short_secret.errors[0].message, "xxxxxxxxxx"));

  s.user_auth.jwt_secret = std::string(31, 'x');
  BOOST_TEST(!check_for_mode(s, run_mode::deployment).ok());
  s.user_auth.jwt_secret = std::string(32, 'x');
  auto enough = check_for_mode(s, run_mode::deployment);
  BOOST_TEST(enough.ok());
  BOOST_TEST(enough.warnings.empty());
}

BOOST_AUTO_TEST_CASE(dev_mode_makes_up_a_missing_secret) {
  settings a, b;
  a.user_auth.enabled = b.user_auth.enabled = true;
  auto checked = check_for_mode(a, run_mode::dev);
  BOOST_TEST(checked.ok());
  BOOST_TEST(a.user_auth.jwt_secret.size() == min_jwt_secret_bytes);
  BOOST_TEST_REQUIRE(checked.warnings.size() == 1u);
  BOOST_TEST(contains(checked.warnings[0], "user_auth.jwt_secret"));
  BOOST_TEST(contains(checked.warnings[0], "won't survive a restart"));
  check_for_mode(b, run_mode::dev);
  BOOST_TEST(a.user_auth.jwt_secret != b.user_auth.jwt_secret);

  // A secret that was set is kept, and a short one is wrong in dev mode too.
  std::string given(40, 'k');
  a.user_auth.jwt_secret = given;
  auto kept = check_for_mode(a, run_mode::dev);
  BOOST_TEST(kept.ok());
  BOOST_TEST(kept.warnings.empty());
  BOOST_TEST(a.user_auth.jwt_secret == given);
  a.user_auth.jwt_secret = "short";
  BOOST_TEST(!check_for_mode(a, run_mode::dev).ok());
}

BOOST_AUTO_TEST_CASE(reputation_defaults_and_ranges) {
  auto defaults = load("");
  BOOST_TEST_REQUIRE(defaults.ok());
  const auto& r = defaults.value.reputation;
  BOOST_TEST(r.alpha == 0.1);
  BOOST_TEST(r.half_life.count() == 720 * 3'600'000LL);
  BOOST_TEST(r.trusted_min_events == 10);
  BOOST_TEST(r.weights.size() == 10u);
  BOOST_TEST(r.weights.at("verification_passed") == 3.0);

  std::vector<std::pair<std::string, std::string>> cases = {
      {"reputation: {alpha: 0}", "reputation.alpha"},
      {"reputation: {alpha: 1.01}", "reputation.alpha"},
      {"reputation: {alpha: nan}", "reputation.alpha"},
      {"reputation: {half_life: 59m}", "reputation.half_life"},
      {"reputation: {half_life: 87601h}", "reputation.half_life"},
      {"reputation: {half_life: 720}", "reputation.half_life"},
      {"reputation: {trusted_min_events: 0}", "reputation.trusted_min_events"},
      {"reputation: {trusted_min_events: 1000001}", "reputation.trusted_min_events"},
      {"reputation: {weights: {call_error: 0}}", "reputation.weights.call_error"},
      {"reputation: {weights: {call_error: -1}}", "reputation.weights.call_error"},
      {"reputation: {weights: {call_error: 100.5}}", "reputation.weights.call_error"},
      {"reputation: {weights: {call_error: [1]}}", "reputation.weights.call_error"},
      {"reputation: {weights: {call_eror: 1}}", "reputation.weights.call_eror"},
      {"reputation: {weights: {call_error: 1, call_error: 2}}", "reputation.weights.call_error"},
      {"reputation: {weights: 2}", "reputation.weights"},
      {"reputation: {weights: [call_error]}", "reputation.weights"},
  };
  for (const auto& [text, key] : cases) BOOST_TEST(only_error(load(text)).key == key, text);

  auto unknown = only_error(load("reputation: {weights: {call_failed: 1}}"));
  BOOST_TEST(contains(unknown.message, "expected one of "));
  BOOST_TEST(contains(unknown.message, "call_error"));
  BOOST_TEST(contains(only_error(load("reputation: {weights: {call_error: 0}}")).message,
                      "greater than 0 and at most 100"));
  // A map with a bad entry is not half-applied.
  auto half = load("reputation: {weights: {call_error: 2, call_timeout: x}}");
  BOOST_TEST(half.value.reputation.weights.at("call_error") == 1.0);

  auto edges = load(R"(
reputation: {alpha: 1, half_life: 1h, trusted_min_events: 1, weights: {registered: 100}}
)");
  BOOST_TEST_REQUIRE(edges.ok());
  BOOST_TEST(edges.value.reputation.weights.at("registered") == 100.0);
  BOOST_TEST(load("reputation: {half_life: 87600h, trusted_min_events: 1000000}").ok());
  BOOST_TEST(load("reputation: {weights: {}}").ok());
  auto from_env = load("reputation: {weights: {call_error: \"${W}\"}}", {{"W", "4"}});
  BOOST_TEST_REQUIRE(from_env.ok());
  BOOST_TEST(from_env.value.reputation.weights.at("call_error") == 4.0);
}

BOOST_AUTO_TEST_CASE(verifier_defaults_and_ranges) {
  auto defaults = load("");
  BOOST_TEST_REQUIRE(defaults.ok());
  const auto& v = defaults.value.verifier;
  BOOST_TEST(v.nonce_ttl.count() == 300'000);
  BOOST_TEST(v.min_interval.count() == 60'000);
  BOOST_TEST(v.timeout.count() == 5'000);
  BOOST_TEST(v.max_response == 4096u);
  BOOST_TEST(v.workers == 4);

  std::vector<std::pair<std::string, std::string>> cases = {
      {"verifier: {nonce_ttl: 0s}", "verifier.nonce_ttl"},
      {"verifier: {nonce_ttl: 99ms}", "verifier.nonce_ttl"},
      {"verifier: {nonce_ttl: 61m}", "verifier.nonce_ttl"},
      {"verifier: {nonce_ttl: 300}", "verifier.nonce_ttl"},
      {"verifier: {min_interval: 0s}", "verifier.min_interval"},
      {"verifier: {min_interval: 25h}", "verifier.min_interval"},
      {"verifier: {timeout: 0ms}", "verifier.timeout"},
      {"verifier: {timeout: 2m}", "verifier.timeout"},
      {"verifier: {max_response: 0}", "verifier.max_response"},
      {"verifier: {max_response: 255}", "verifier.max_response"},
      {"verifier: {max_response: 2MiB}", "verifier.max_response"},
      {"verifier: {workers: 0}", "verifier.workers"},
      {"verifier: {workers: 65}", "verifier.workers"},
      {"verifier: {workers: many}", "verifier.workers"},
      {"verifier: {timeout: [1s]}", "verifier.timeout"},
      {"verifier: {nonce_tl: 1m}", "verifier.nonce_tl"},
  };
  for (const auto& [text, key] : cases) BOOST_TEST(only_error(load(text)).key == key, text);
  BOOST_TEST(contains(only_error(load("verifier: {workers: 0}")).message, "between 1 and 64"));
  BOOST_TEST(contains(only_error(load("verifier: {nonce_tl: 1m}")).message,
                      "did you mean verifier.nonce_ttl?"));

  auto edges = load(R"(
verifier: {nonce_ttl: 100ms, min_interval: 100ms, timeout: 100ms, max_response: 256, workers: 1}
)");
  BOOST_TEST_REQUIRE(edges.ok());
  BOOST_TEST(edges.value.verifier.max_response == 256u);
  BOOST_TEST(
      load("verifier: {nonce_ttl: 1h, min_interval: 24h, timeout: 1m, max_response: 1MiB, "
           "workers: 64}")
          .ok());
}

BOOST_AUTO_TEST_CASE(offline_after_must_exceed_heartbeat) {
  for (const char* offline : {"30s", "10s"}) {
    std::string text = std::string("registry: {heartbeat_interval: 30s, offline_after: ") + offline;
    auto error = only_error(load(text + "}"));
    BOOST_TEST(error.key == "registry.offline_after");
    BOOST_TEST(contains(error.message, "greater than registry.heartbeat_interval"));
  }
  // Against the default heartbeat (30s) too.
  BOOST_TEST(only_error(load("registry: {offline_after: 20s}")).key == "registry.offline_after");
  // A broken heartbeat is reported once, not again as a comparison.
  BOOST_TEST(only_error(load("registry: {heartbeat_interval: x, offline_after: 5s}")).key ==
             "registry.heartbeat_interval");
}

BOOST_AUTO_TEST_CASE(duration_parse_and_format) {
  std::vector<std::pair<std::string, int64_t>> cases = {
      {"250ms", 250},   {"90s", 90'000},      {"1h30m", 5'400'000}, {"2m", 120'000},
      {"0s", 0},        {"1s500ms", 1'500}, {"1h1m1s1ms", 3'661'001}, {"48h", 172'800'000}};
  for (const auto& [text, ms] : cases) {
    auto parsed = parse_duration(text);
    BOOST_TEST_REQUIRE(parsed.has_value(), text);
    BOOST_TEST(parsed->count() == ms, text);
    BOOST_TEST(parse_duration(format_duration(*parsed))->count() == ms, text);
  }
  BOOST_TEST(format_duration(90'000ms) == "1m30s");
  BOOST_TEST(format_duration(250ms) == "250ms");
  BOOST_TEST(format_duration(0ms) == "0s");
  BOOST_TEST(format_duration(3'600'000ms) == "1h");
  BOOST_TEST(format_duration(5'400'000ms) == "1h30m");
  BOOST_TEST(format_duration(1'500ms) == "1s500ms");

  for (const char* text : {"10", "1x", "", "-5s", "1h-", "1.5h", "s", "1m1h", "1s1s", " 1s",
                           "1 s", "99999999999999999999h"})
    BOOST_TEST(!parse_duration(text).has_value(), text);
}

BOOST_AUTO_TEST_CASE(bare_number_duration_asks_for_a_unit) {
  auto error = only_error(load("server: {request_timeout: 10}"));
  BOOST_TEST(error.key == "server.request_timeout");
  BOOST_TEST(contains(error.message, "unit"));
}

BOOST_AUTO_TEST_CASE(redact_dsn_forms) {
  BOOST_TEST(redact_dsn("host=db password=secret user=me") == "host=db password=*** user=me");
  BOOST_TEST(redact_dsn("host=db password='se cret' user=me") == "host=db password=*** user=me");
  BOOST_TEST(redact_dsn("password = 'it\\'s' host=db") == "password = *** host=db");
  BOOST_TEST(redact_dsn("host=db user=me") == "host=db user=me");
  // A stray word must not stop the scan before the password.
  BOOST_TEST(redact_dsn("stray host=db password=secret") == "stray host=db password=***");
  BOOST_TEST(redact_dsn("postgresql://user:secret@host/db") == "postgresql://user:***@host/db");
  BOOST_TEST(redact_dsn("postgres://user:secret@host:5432") == "postgres://user:***@host:5432");
  BOOST_TEST(redact_dsn("postgresql://user@host/db") == "postgresql://user@host/db");
  BOOST_TEST(redact_dsn("postgresql://host/db?user=u&password=secret&sslmode=require") ==
             "postgresql://host/db?user=u&password=***&sslmode=require");
  // libpq percent-decodes the query's keys too.
  BOOST_TEST(redact_dsn("postgresql://host/db?pass%77ord=secret&sslmode=require") ==
             "postgresql://host/db?pass%77ord=***&sslmode=require");
  BOOST_TEST(redact_dsn("postgresql://host/db?%70ASSWORD=x&%70assword=secret") ==
             "postgresql://host/db?%70ASSWORD=x&%70assword=***");
  BOOST_TEST(redact_dsn("./tessera.db") == "./tessera.db");
  BOOST_TEST(redact_dsn("/var/lib/tessera/my data.db") == "/var/lib/tessera/my data.db");
}

BOOST_AUTO_TEST_CASE(to_yaml_reloads_to_the_same_settings) {
  for (const char* text : {"", every_key}) {
    auto original = load(text);
    BOOST_TEST_REQUIRE(original.ok());
    auto reloaded = load(to_yaml(original.value));
    BOOST_TEST_REQUIRE(reloaded.ok(), to_yaml(original.value));
    // Everything but the secrets, which are printed redacted.
    for (auto* secret : {&original.value.user_auth.jwt_secret, &original.value.signaling.turn.secret,
                         &original.value.redis.password})
      if (!secret->empty()) *secret = "***";
    check_equal(reloaded.value, original.value);
  }
  // Literal dollars survive the trip (they must not be read back as ${VAR}).
  settings odd;
  odd.database.dsn = "./data/${not_a_var}$.db";
  odd.server.cors_origins = {"*"};
  odd.server.max_body_bytes = 1025;
  odd.server.trusted_proxies = {"127.0.0.1", "::/0"};
  odd.user_auth.password_hash_memory = 4ull * 1024 * 1024 * 1024;
  odd.rate_limit.requests_per_sec = 0.1;
  odd.audit_log.output = "file:./audit-$1.log";
  auto reloaded = load(to_yaml(odd));
  BOOST_TEST_REQUIRE(reloaded.ok(), to_yaml(odd));
  check_equal(reloaded.value, odd);
}

BOOST_AUTO_TEST_CASE(to_yaml_prints_every_key_and_redacts) {
  settings s;
  s.database.driver = "postgres";
  s.database.dsn = "postgresql://tessera:hunter2@db/tessera";
  s.server.request_timeout = 90s;
  std::string yaml = to_yaml(s);
  BOOST_TEST(!contains(yaml, "hunter2"));
  BOOST_TEST(contains(yaml, "postgresql://tessera:***@db/tessera"));
  BOOST_TEST(contains(yaml, "request_timeout: 1m30s"));
  BOOST_TEST(contains(yaml, "max_body_bytes: 1MiB"));
  for (const char* key :
       {"http_addr", "cors_origins", "request_timeout", "max_body_bytes", "http_threads",
        "trusted_proxies", "driver", "dsn", "readers", "heartbeat_interval", "offline_after",
        "alpha", "half_life", "trusted_min_events", "weights", "signature_max_skew", "required", "enabled", "jwt_secret", "access_ttl", "refresh_ttl",
        "claim_token_ttl", "password_hash_ops", "password_hash_memory", "login_max_failures",
        "login_window", "requests_per_sec", "burst_size", "max_connections", "output", "level",
        "format", "threads", "allow_cidrs", "nonce_ttl", "min_interval", "timeout",
        "max_response", "workers", "ws_addr", "public_url", "auth_timeout", "max_frame_bytes",
        "frames_per_sec", "frame_burst", "idle_timeout", "require_contacts", "broker", "node_id",
        "presence_ttl", "relay_bytes_per_sec", "relay_burst_bytes", "relay_daily_bytes",
        "offline_queue_size", "offline_queue_max_age", "offline_queue_total", "turn", "urls",
        "secret", "credential_ttl", "addr", "password", "db"})
    BOOST_TEST(contains(yaml, std::string(key) + ":"), key);
  BOOST_TEST(contains(yaml, "password_hash_memory: 64MiB"));
  BOOST_TEST(contains(yaml, "refresh_ttl: 168h"));
  BOOST_TEST(contains(yaml, "requests_per_sec: 100\n"));
  BOOST_TEST(contains(yaml, "half_life: 720h"));
  BOOST_TEST(contains(yaml, "call_timeout: 0.75\n"));
  BOOST_TEST(yaml.find("registry:") < yaml.find("reputation:"));
  BOOST_TEST(yaml.find("reputation:") < yaml.find("\nauth:"));
  BOOST_TEST(yaml.find("server:") < yaml.find("database:"));
  BOOST_TEST(yaml.find("\nauth:") < yaml.find("user_auth:"));
  BOOST_TEST(yaml.find("user_auth:") < yaml.find("rate_limit:"));
  BOOST_TEST(yaml.find("rate_limit:") < yaml.find("security:"));
  BOOST_TEST(yaml.find("security:") < yaml.find("verifier:"));
  BOOST_TEST(yaml.find("verifier:") < yaml.find("audit_log:"));
  BOOST_TEST(contains(yaml, "nonce_ttl: 5m"));
  BOOST_TEST(contains(yaml, "max_response: 4KiB"));
  BOOST_TEST(yaml.find("logging:") < yaml.find("actors:"));

  auto reloaded = load(yaml);
  BOOST_TEST_REQUIRE(reloaded.ok());
  BOOST_TEST(reloaded.value.database.dsn == "postgresql://tessera:***@db/tessera");
}

BOOST_AUTO_TEST_CASE(readme_lists_every_key) {
  std::ifstream in(std::string(TESSERA_SOURCE_DIR) + "/README.md");
  std::string readme((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  BOOST_TEST_REQUIRE(!readme.empty());
  // Every leaf of the printed configuration, nested mappings (signaling.turn) included; a
  // mapping-valued key such as reputation.weights is one leaf, since its values are no keys.
  auto printed = YAML::Load(to_yaml(settings{}));
  std::function<void(const YAML::Node&, const std::string&)> visit =
      [&](const YAML::Node& node, const std::string& prefix) {
        for (const auto& entry : node) {
          auto path = (prefix.empty() ? "" : prefix + ".") + entry.first.Scalar();
          if (entry.second.IsMap() && path != "reputation.weights")
            visit(entry.second, path);
          else
            BOOST_TEST(contains(readme, "| `" + path + "` |"), "README's table should list " << path);
        }
      };
  visit(printed, "");
}

BOOST_AUTO_TEST_CASE(signaling_and_redis_defaults) {
  auto result = load("");
  BOOST_TEST_REQUIRE(result.ok());
  const auto& g = result.value.signaling;
  BOOST_TEST(g.enabled);
  BOOST_TEST(g.ws_addr == "");  // the WebSocket is served on server.http_addr
  BOOST_TEST(g.public_url.empty());
  BOOST_TEST(format_duration(g.auth_timeout) == "5s");
  BOOST_TEST(g.max_frame_bytes == 64u * 1024);
  BOOST_TEST(g.frames_per_sec == 10);
  BOOST_TEST(g.frame_burst == 20);
  BOOST_TEST(g.max_connections == 10'000);
  BOOST_TEST(format_duration(g.idle_timeout) == "1m");
  BOOST_TEST(g.require_contacts);
  BOOST_TEST(g.broker == "local");
  BOOST_TEST(g.node_id.empty());
  BOOST_TEST(format_duration(g.presence_ttl) == "30s");
  BOOST_TEST(g.relay_bytes_per_sec == 256 * 1024);
  BOOST_TEST(g.relay_burst_bytes == 1024u * 1024);
  BOOST_TEST(g.relay_daily_bytes == 1024ull * 1024 * 1024);
  BOOST_TEST(g.offline_queue_size == 100);
  BOOST_TEST(format_duration(g.offline_queue_max_age) == "1h");
  BOOST_TEST(g.offline_queue_total == 100'000);
  BOOST_TEST(g.turn.urls.empty());
  BOOST_TEST(g.turn.secret.empty());
  BOOST_TEST(format_duration(g.turn.credential_ttl) == "1h");
  const auto& r = result.value.redis;
  BOOST_TEST(r.addr == "127.0.0.1:6379");
  BOOST_TEST(r.password.empty());
  BOOST_TEST(r.db == 0);
}

BOOST_AUTO_TEST_CASE(signaling_and_redis_bad_values_name_the_key) {
  std::vector<std::pair<std::string, std::string>> cases = {
      {"signaling: {enabled: yes}", "signaling.enabled"},
      {"signaling: {ws_addr: \"8081\"}", "signaling.ws_addr"},
      {"signaling: {auth_timeout: 99ms}", "signaling.auth_timeout"},
      {"signaling: {auth_timeout: 2m}", "signaling.auth_timeout"},
      {"signaling: {max_frame_bytes: 1023}", "signaling.max_frame_bytes"},
      {"signaling: {frames_per_sec: 0}", "signaling.frames_per_sec"},
      {"signaling: {frame_burst: 0}", "signaling.frame_burst"},
      {"signaling: {max_connections: 0}", "signaling.max_connections"},
      {"signaling: {idle_timeout: 500ms}", "signaling.idle_timeout"},
      {"signaling: {require_contacts: maybe}", "signaling.require_contacts"},
      {"signaling: {broker: kafka}", "signaling.broker"},
      {"signaling: {presence_ttl: 2h}", "signaling.presence_ttl"},
      {"signaling: {relay_bytes_per_sec: -1}", "signaling.relay_bytes_per_sec"},
      {"signaling: {relay_burst_bytes: 2GiB}", "signaling.relay_burst_bytes"},
      {"signaling: {relay_daily_bytes: 100}", "signaling.relay_daily_bytes"},
      {"signaling: {offline_queue_size: -1}", "signaling.offline_queue_size"},
      {"signaling: {offline_queue_max_age: 169h}", "signaling.offline_queue_max_age"},
      {"signaling: {offline_queue_total: 10000001}", "signaling.offline_queue_total"},
      {"redis: {addr: redis}", "redis.addr"},
      {"redis: {db: 16}", "redis.db"},
      {"redis: {db: -1}", "redis.db"},
      {"redis: {password: [a]}", "redis.password"},
  };
  for (const auto& [text, key] : cases) BOOST_TEST(only_error(load(text)).key == key, text);
  auto broker = only_error(load("signaling: {broker: kafka}"));
  BOOST_TEST(broker.message == "must be one of local, redis, got \"kafka\"");
}

BOOST_AUTO_TEST_CASE(turn_is_a_nested_mapping) {
  auto result = load(R"(
signaling:
  turn:
    urls: ["turn:turn.example.org:3478"]
    secret: ${TURN_SECRET}
    credential_ttl: 30m
)",
                     {{"TURN_SECRET", "from-the-environment"}});
  BOOST_TEST_REQUIRE(result.ok());
  BOOST_TEST(result.value.signaling.turn.urls ==
                 (std::vector<std::string>{"turn:turn.example.org:3478"}),
             boost::test_tools::per_element());
  BOOST_TEST(result.value.signaling.turn.secret == "from-the-environment");
  BOOST_TEST(result.value.signaling.turn.credential_ttl.count() == 1'800'000);
  // Keys beside turn still read; turn with nothing under it keeps the defaults.
  auto empty = load("signaling:\n  broker: redis\n  turn:\n");
  BOOST_TEST_REQUIRE(empty.ok());
  BOOST_TEST(empty.value.signaling.broker == "redis");
  BOOST_TEST(empty.value.signaling.turn.urls.empty());
  BOOST_TEST(format_duration(empty.value.signaling.turn.credential_ttl) == "1h");
}

BOOST_AUTO_TEST_CASE(turn_shape_and_key_errors) {
  auto scalar = only_error(load("signaling: {turn: 5}"));
  BOOST_TEST(scalar.key == "signaling.turn");
  BOOST_TEST(scalar.message == "expected a mapping of keys, got \"5\"");

  auto typo = only_error(load("signaling: {turn: {url: [\"stun:a.example.org\"]}}"));
  BOOST_TEST(typo.key == "signaling.turn.url");
  BOOST_TEST(typo.message == "unknown key (did you mean signaling.turn.urls?)");

  auto group = only_error(load("signaling: {trun: {secret: x}}"));
  BOOST_TEST(group.key == "signaling.trun");
  BOOST_TEST(group.message == "unknown key (did you mean signaling.turn?)");

  auto duplicate = only_error(load("signaling:\n  turn:\n    secret: a\n    secret: b\n"));
  BOOST_TEST(duplicate.key == "signaling.turn.secret");
  BOOST_TEST(duplicate.message == "duplicate key");

  auto not_a_list = only_error(load("signaling: {turn: {urls: \"turn:a.example.org\"}}"));
  BOOST_TEST(not_a_list.key == "signaling.turn.urls");
  BOOST_TEST(contains(not_a_list.message, "expected a list of stun:, turn: or turns: URLs"));
}

BOOST_AUTO_TEST_CASE(turn_urls_are_checked_one_by_one) {
  for (const char* good :
       {"stun:stun.example.org", "stun:stun.example.org:19302", "turn:10.0.0.1",
        "turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349?transport=tcp",
        "turn:[2001:db8::1]", "turns:[::1]:5349", "turn:coturn_1:3478"}) {
    auto result = load(std::string("signaling: {turn: {urls: [\"") + good + "\"]}}");
    BOOST_TEST(result.ok(), good);
  }
  const std::pair<const char*, const char*> bad[] = {
      {"https://turn.example.org", "must be a stun:, turn: or turns: URL"},
      {"turn://turn.example.org:3478", "has no // after the scheme"},
      {"stuns:stun.example.org", "must be a stun:, turn: or turns: URL"},
      {"turn:", "needs a host"},
      {"turn::3478", "needs a host"},
      {"turn:turn.example.org:0", "port must be a number between 1 and 65535"},
      {"turn:turn.example.org:99999", "port must be a number between 1 and 65535"},
      {"turn:2001:db8::1", "IPv6 addresses need brackets"},
      {"turn:turn.example.org?transport=sctp", "the only query is ?transport=udp or"},
      {"stun:stun.example.org?transport=udp", "a stun: URL takes no ?query"},
      {"turn:bad host", "invalid host name"},
  };
  for (const auto& [url, message] : bad) {
    auto result = load(std::string("signaling: {turn: {urls: [\"stun:ok.example.org\", \"") + url +
                       "\"]}}");
    auto error = only_error(result);
    BOOST_TEST(error.key == "signaling.turn.urls[1]", url);
    BOOST_TEST(contains(error.message, message), url << ": " << error.message);
    BOOST_TEST(result.value.signaling.turn.urls.empty(), url);  // nothing half-applied
  }
}

BOOST_AUTO_TEST_CASE(turn_credential_ttl_range) {
  BOOST_TEST(load("signaling: {turn: {credential_ttl: 1m}}").ok());
  BOOST_TEST(load("signaling: {turn: {credential_ttl: 168h}}").ok());
  for (const char* text : {"59s", "168h1ms", "3600"}) {
    auto error = only_error(load(std::string("signaling: {turn: {credential_ttl: ") + text + "}}"));
    BOOST_TEST(error.key == "signaling.turn.credential_ttl", text);
  }
}

BOOST_AUTO_TEST_CASE(turn_secret_and_redis_password_are_never_printed) {
  auto result = load(R"(
signaling:
  turn: {urls: ["turn:turn.example.org"], secret: "turn-secret-value"}
redis: {password: "redis-secret-value"}
)");
  BOOST_TEST_REQUIRE(result.ok());
  std::string yaml = to_yaml(result.value);
  BOOST_TEST(!contains(yaml, "turn-secret-value"));
  BOOST_TEST(!contains(yaml, "redis-secret-value"));
  BOOST_TEST(contains(yaml, "secret: \"***\""));
  BOOST_TEST(contains(yaml, "password: \"***\""));
  // Unset secrets print empty, so the output still tells whether one is set.
  std::string defaults = to_yaml(settings{});
  BOOST_TEST(!contains(defaults, "***"));
}

BOOST_AUTO_TEST_CASE(to_yaml_prints_turn_nested_inside_signaling) {
  settings s;
  s.signaling.turn.urls = {"stun:stun.example.org", "turn:turn.example.org:3478"};
  s.signaling.turn.credential_ttl = std::chrono::hours(2);
  std::string yaml = to_yaml(s);
  auto doc = YAML::Load(yaml);
  BOOST_TEST_REQUIRE(doc["signaling"]["turn"].IsMap(), yaml);
  BOOST_TEST(doc["signaling"]["turn"]["urls"].size() == 2u);
  BOOST_TEST(doc["signaling"]["turn"]["credential_ttl"].as<std::string>() == "2h");
  BOOST_TEST(doc["signaling"]["offline_queue_total"].as<std::string>() == "100000");
  BOOST_TEST(doc["redis"]["db"].as<std::string>() == "0");  // the section after turn reopens
  BOOST_TEST(!doc["turn"]);
  BOOST_TEST(yaml.find("signaling:") < yaml.find("  turn:"));
  BOOST_TEST(yaml.find("  turn:") < yaml.find("redis:"));
  auto reloaded = load(yaml);
  BOOST_TEST_REQUIRE(reloaded.ok(), yaml);
  check_equal(reloaded.value, s);
}

BOOST_AUTO_TEST_CASE(ws_addr_must_not_take_the_http_port) {
  const std::pair<const char*, const char*> clashes[] = {
      {":9000", ":9000"},
      {"127.0.0.1:9000", ":9000"},
      {":9000", "127.0.0.1:9000"},
      {"0.0.0.0:9000", "[::1]:9000"},
      {"127.0.0.1:9000", "127.0.0.1:09000"},
  };
  for (const auto& [http, ws] : clashes) {
    auto error = only_error(load(std::string("server: {http_addr: \"") + http +
                                 "\"}\nsignaling: {ws_addr: \"" + ws + "\"}"));
    BOOST_TEST(error.key == "signaling.ws_addr", http << " " << ws);
    BOOST_TEST(contains(error.message, "must not listen where server.http_addr does"));
  }
  // No second listener by default: nothing to clash with.
  BOOST_TEST(load("server: {http_addr: \":8081\"}").ok());

  const std::pair<const char*, const char*> apart[] = {
      {":9000", ":9001"},
      {"127.0.0.1:9000", "127.0.0.2:9000"},  // different interfaces
      {"[::1]:9000", "127.0.0.1:9000"},
  };
  for (const auto& [http, ws] : apart)
    BOOST_TEST(load(std::string("server: {http_addr: \"") + http + "\"}\nsignaling: {ws_addr: \"" +
                    ws + "\"}")
                   .ok(),
               http << " " << ws);
  // No WebSocket listener, no clash.
  BOOST_TEST(load("server: {http_addr: \":9000\"}\nsignaling: {enabled: false, ws_addr: \":9000\"}")
                 .ok());
  // A bad address is reported once, as itself.
  BOOST_TEST(only_error(load("signaling: {ws_addr: \"x\"}")).key == "signaling.ws_addr");
}

BOOST_AUTO_TEST_CASE(yaml_syntax_error) {
  auto error = only_error(load("server:\n  http_addr: [\":8080\"\n  http_threads: 4\n"));
  BOOST_TEST(error.key == "");
  BOOST_TEST(contains(error.message, "line "));
  BOOST_TEST(contains(error.message, "column "));
}

BOOST_AUTO_TEST_CASE(load_file_reads_or_reports) {
  auto missing = load_file("/nonexistent/tessera.yaml", fake_env());
  auto error = only_error(missing);
  BOOST_TEST(error.key == "");
  BOOST_TEST(contains(error.message, "cannot read /nonexistent/tessera.yaml: "));

  std::string path = std::string(TESSERA_BINARY_DIR) + "/config_test.yaml";
  {
    std::ofstream out(path);
    out << "server: {http_threads: 3}\n";
  }
  auto loaded = load_file(path, fake_env());
  std::remove(path.c_str());
  BOOST_TEST_REQUIRE(loaded.ok());
  BOOST_TEST(loaded.value.server.http_threads == 3);
}

BOOST_AUTO_TEST_SUITE_END()
