#include "config/keys.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <set>
#include <string_view>
#include <type_traits>
#include <utility>

#include "config/environment.hpp"
#include "config/values.hpp"

namespace tessera::config {

namespace {

using namespace std::chrono_literals;

// The type of the member a field accessor returns.
template <class Field>
using field_type = std::remove_cvref_t<std::invoke_result_t<Field, settings&>>;

// Turns the expanded text of a scalar into a field value, or returns why it cannot.
template <class T>
using convert_fn = std::function<std::string(const std::string& text, T& out)>;

// A key holding one scalar. `field` maps settings, const or not, to the member; `to_text` prints
// the member in a form that `convert` reads back.
template <class Field>
key_spec scalar_key(std::string path, Field field, std::string expected,
                    convert_fn<field_type<Field>> convert,
                    std::function<std::string(const field_type<Field>&)> to_text) {
  auto read = [=](const YAML::Node& node, settings& s, const env_lookup& env,
                  std::vector<config_error>& errors) {
    if (!node.IsScalar()) {
      errors.push_back({path, "expected " + expected + ", got " + describe(node)});
      return;
    }
    auto text = expand(node.Scalar(), path, env, errors);
    if (!text) return;
    field_type<Field> value{};
    if (auto problem = convert(*text, value); !problem.empty())
      errors.push_back({path, problem});
    else
      field(s) = std::move(value);
  };
  auto print = [=](YAML::Emitter& out, const settings& s) {
    out << escape_dollars(to_text(field(s)));
  };
  return {path, read, print};
}

std::string integer_range(int lo, int hi) {
  return "an integer between " + std::to_string(lo) + " and " + std::to_string(hi);
}

template <class Field>
key_spec int_key(std::string path, Field field, int lo, int hi) {
  auto convert = [=](const std::string& text, int& out) -> std::string {
    auto number = parse_integer(text);
    if (!number || *number < lo || *number > hi)
      return "must be " + integer_range(lo, hi) + ", got " + quoted(text);
    out = static_cast<int>(*number);
    return "";
  };
  return scalar_key(path, field, integer_range(lo, hi), convert,
                    [](const int& value) { return std::to_string(value); });
}

// A number with a fraction, in (0, hi]; printed in the shortest form that reads back exactly.
std::string positive_range(double hi) {
  return "a number greater than 0 and at most " + std::to_string(static_cast<int64_t>(hi));
}

std::string read_positive_number(const std::string& text, double hi, double& out) {
  double number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  // Written so that NaN fails too.
  if (ec != std::errc() || end != text.data() + text.size() || !(number > 0 && number <= hi))
    return "must be " + positive_range(hi) + ", got " + quoted(text);
  out = number;
  return "";
}

std::string format_number(const double& value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, end);
}

template <class Field>
key_spec positive_number_key(std::string path, Field field, double hi) {
  auto convert = [=](const std::string& text, double& out) {
    return read_positive_number(text, hi, out);
  };
  return scalar_key(path, field, positive_range(hi), convert, format_number);
}

// A mapping of fixed names (those of the default map) to numbers in (0, hi], e.g.
// `weights: {call_error: 2}`. Names not given keep their defaults, so a file states only what it
// changes; it replaces the defaults only when every entry is valid.
template <class Field>
key_spec number_map_key(std::string path, Field field, double hi) {
  auto read = [=](const YAML::Node& node, settings& s, const env_lookup& env,
                  std::vector<config_error>& errors) {
    if (!node.IsMap()) {
      errors.push_back({path, "expected a mapping of names to numbers, got " + describe(node)});
      return;
    }
    auto entries = field(s);
    size_t errors_before = errors.size();
    each_entry(node, path, errors, [&](const std::string& name, const YAML::Node& value) {
      std::string entry_path = path + "." + name;
      if (!entries.contains(name)) {
        std::string names;
        for (const auto& [known, _] : entries) names += (names.empty() ? "" : ", ") + known;
        errors.push_back({entry_path, "unknown name; expected one of " + names});
      } else if (!value.IsScalar()) {
        errors.push_back(
            {entry_path, "expected " + positive_range(hi) + ", got " + describe(value)});
      } else if (auto text = expand(value.Scalar(), entry_path, env, errors)) {
        if (auto problem = read_positive_number(*text, hi, entries[name]); !problem.empty())
          errors.push_back({entry_path, problem});
      }
    });
    if (errors.size() == errors_before) field(s) = std::move(entries);
  };
  auto print = [=](YAML::Emitter& out, const settings& s) {
    out << YAML::BeginMap;
    for (const auto& [name, number] : field(s))
      out << YAML::Key << name << YAML::Value << format_number(number);
    out << YAML::EndMap;
  };
  return {path, read, print};
}

// Only the YAML 1.2 spellings: yaml-cpp would also take yes/no/on/off, which YAML 1.2 reads as
// strings and other tools would read differently.
template <class Field>
key_spec bool_key(std::string path, Field field) {
  auto convert = [](const std::string& text, bool& out) -> std::string {
    if (text != "true" && text != "false") return "must be true or false, got " + quoted(text);
    out = text == "true";
    return "";
  };
  return scalar_key(path, field, "true or false", convert,
                    [](const bool& value) { return std::string(value ? "true" : "false"); });
}

template <class Field>
key_spec size_key(std::string path, Field field, size_t lo, size_t hi) {
  std::string expected = "a size between " + format_size(lo) + " and " + format_size(hi) +
                         " (a byte count, or e.g. 512KiB, 1MiB)";
  auto convert = [=](const std::string& text, size_t& out) -> std::string {
    auto size = parse_size(text);
    if (!size || *size < lo || *size > hi) return "must be " + expected + ", got " + quoted(text);
    out = *size;
    return "";
  };
  return scalar_key(path, field, expected, convert, format_size);
}

template <class Field>
key_spec duration_key(std::string path, Field field, millis lo, millis hi) {
  std::string range = format_duration(lo) + " and " + format_duration(hi);
  auto convert = [=](const std::string& text, millis& out) -> std::string {
    auto duration = parse_duration(text);
    if (!duration && all_digits(text))
      return "needs a unit (ms, s, m or h), e.g. " + text + "s; got " + quoted(text);
    if (!duration) return "must be a duration like 1h30m, 90s or 250ms, got " + quoted(text);
    if (*duration < lo || *duration > hi)
      return "must be between " + range + ", got " + quoted(text);
    out = *duration;
    return "";
  };
  return scalar_key(path, field, "a duration between " + range, convert,
                    [](const millis& value) { return format_duration(value); });
}

std::string as_is(const std::string& text) { return text; }

template <class Field>
key_spec string_key(std::string path, Field field, std::string expected,
                    std::string (*check)(const std::string&),
                    std::string (*to_text)(const std::string&) = as_is) {
  auto convert = [=](const std::string& text, std::string& out) -> std::string {
    if (auto problem = check(text); !problem.empty()) return problem;
    out = text;
    return "";
  };
  return scalar_key(path, field, expected, convert, to_text);
}

template <class Field>
key_spec choice_key(std::string path, Field field, std::vector<std::string> choices) {
  std::string list;
  for (const auto& choice : choices) list += (list.empty() ? "" : ", ") + choice;
  auto convert = [=](const std::string& text, std::string& out) -> std::string {
    if (std::find(choices.begin(), choices.end(), text) == choices.end())
      return "must be one of " + list + ", got " + quoted(text);
    out = text;
    return "";
  };
  return scalar_key(path, field, "one of " + list, convert, as_is);
}

// A list of strings, each checked; it replaces the default only when every entry is valid.
// `expected` describes the list, `item` one entry.
template <class Field>
key_spec list_key(std::string path, Field field, std::string expected, std::string item,
                  std::string (*check)(const std::string&)) {
  auto read = [=](const YAML::Node& node, settings& s, const env_lookup& env,
                  std::vector<config_error>& errors) {
    if (!node.IsSequence()) {
      errors.push_back({path, "expected " + expected + ", got " + describe(node)});
      return;
    }
    std::vector<std::string> entries;
    size_t errors_before = errors.size();
    for (size_t i = 0; i < node.size(); ++i) {
      std::string entry_path = path + "[" + std::to_string(i) + "]";
      if (!node[i].IsScalar()) {
        errors.push_back({entry_path, "expected " + item + ", got " + describe(node[i])});
      } else if (auto text = expand(node[i].Scalar(), entry_path, env, errors)) {
        if (auto problem = check(*text); !problem.empty())
          errors.push_back({entry_path, problem});
        else
          entries.push_back(*text);
      }
    }
    if (errors.size() == errors_before) field(s) = std::move(entries);
  };
  auto print = [=](YAML::Emitter& out, const settings& s) {
    out << YAML::Flow << YAML::BeginSeq;
    for (const auto& entry : field(s)) out << escape_dollars(entry);
    out << YAML::EndSeq;
  };
  return {path, read, print};
}

// Spells the path and the member once, so the two cannot drift apart.
#define TESSERA_KEY(section, name) \
  #section "." #name, [](auto& s) -> auto& { return s.section.name; }
// A key one mapping further down, e.g. signaling.turn.urls.
#define TESSERA_SUBKEY(section, group, name) \
  #section "." #group "." #name, [](auto& s) -> auto& { return s.section.group.name; }

}  // namespace

const std::vector<key_spec>& keys() {
  static const std::vector<key_spec> table = {
      string_key(TESSERA_KEY(server, http_addr), "an address like host:port or :port",
                 check_http_addr),
      string_key(TESSERA_KEY(server, public_url), "an origin like https://tessera.example.com, or \"\"",
                 check_optional_origin),
      list_key(TESSERA_KEY(server, cors_origins),
               "a list of origins, e.g. [\"https://example.com\"]", "an origin string",
               check_origin),
      duration_key(TESSERA_KEY(server, request_timeout), 100ms, 10min),
      size_key(TESSERA_KEY(server, max_body_bytes), kib, 64 * mib),
      int_key(TESSERA_KEY(server, http_threads), 1, 256),
      duration_key(TESSERA_KEY(server, keep_alive_timeout), 1s, 1h),
      duration_key(TESSERA_KEY(server, header_timeout), 100ms, 10min),
      duration_key(TESSERA_KEY(server, body_timeout), 100ms, 1h),
      int_key(TESSERA_KEY(server, max_requests_per_connection), 0, 1'000'000'000),
      size_key(TESSERA_KEY(server, max_header_bytes), kib, mib),
      int_key(TESSERA_KEY(server, max_headers), 1, 10'000),
      size_key(TESSERA_KEY(server, stream_queue_bytes), 4 * kib, 64 * mib),
      duration_key(TESSERA_KEY(server, stream_ping_interval), 1s, 1h),
      list_key(TESSERA_KEY(server, trusted_proxies),
               "a list of IP addresses or CIDR ranges, e.g. [\"10.0.0.0/8\"]",
               "an address or CIDR range string", check_ip_range),
      choice_key(TESSERA_KEY(database, driver), {"sqlite", "postgres"}),
      string_key(TESSERA_KEY(database, dsn), "a non-empty string", check_non_empty, redact_dsn),
      int_key(TESSERA_KEY(database, readers), 1, 64),
      duration_key(TESSERA_KEY(registry, heartbeat_interval), 1s, 1h),
      duration_key(TESSERA_KEY(registry, offline_after), 1s, 24h),
      positive_number_key(TESSERA_KEY(reputation, alpha), 1),
      duration_key(TESSERA_KEY(reputation, half_life), 1h, 87600h),
      int_key(TESSERA_KEY(reputation, trusted_min_events), 1, 1'000'000),
      number_map_key(TESSERA_KEY(reputation, weights), 100),
      duration_key(TESSERA_KEY(auth, signature_max_skew), 1s, 1h),
      int_key(TESSERA_KEY(auth, replay_capacity), 100, 100'000'000),
      int_key(TESSERA_KEY(auth, replay_per_key), 1, 100'000'000),
      choice_key(TESSERA_KEY(auth, replay_store), {"auto", "memory", "database", "redis"}),
      bool_key(TESSERA_KEY(auth, required)),
      bool_key(TESSERA_KEY(user_auth, enabled)),
      string_key(TESSERA_KEY(user_auth, jwt_secret), "a string", check_nothing, redact_secret),
      duration_key(TESSERA_KEY(user_auth, access_ttl), 1min, 24h),
      duration_key(TESSERA_KEY(user_auth, refresh_ttl), 1min, 90 * 24h),
      duration_key(TESSERA_KEY(user_auth, claim_token_ttl), 1min, 24h),
      int_key(TESSERA_KEY(user_auth, password_hash_ops), 1, 10),
      size_key(TESSERA_KEY(user_auth, password_hash_memory), 8 * kib, 4 * gib),
      int_key(TESSERA_KEY(user_auth, password_workers), 0, 256),
      int_key(TESSERA_KEY(user_auth, password_queue), 0, 100'000),
      int_key(TESSERA_KEY(user_auth, password_requests_per_minute), 1, 1'000'000),
      int_key(TESSERA_KEY(user_auth, login_max_failures), 1, 1000),
      duration_key(TESSERA_KEY(user_auth, login_window), 1s, 24h),
      bool_key(TESSERA_KEY(rate_limit, enabled)),
      positive_number_key(TESSERA_KEY(rate_limit, requests_per_sec), 1e6),
      int_key(TESSERA_KEY(rate_limit, burst_size), 1, 1'000'000),
      int_key(TESSERA_KEY(rate_limit, max_connections), 1, 100'000),
      int_key(TESSERA_KEY(rate_limit, max_connections_per_address), 1, 100'000),
      list_key(TESSERA_KEY(security, allow_cidrs),
               "a list of IP addresses or CIDR ranges, e.g. [\"127.0.0.0/8\"]",
               "an address or CIDR range string", check_ip_range),
      duration_key(TESSERA_KEY(verifier, nonce_ttl), 100ms, 1h),
      duration_key(TESSERA_KEY(verifier, min_interval), 100ms, 24h),
      duration_key(TESSERA_KEY(verifier, timeout), 100ms, 1min),
      size_key(TESSERA_KEY(verifier, max_response), 256, mib),
      int_key(TESSERA_KEY(verifier, workers), 1, 64),
      int_key(TESSERA_KEY(verifier, queue_size), 0, 100000),
      bool_key(TESSERA_KEY(signaling, enabled)),
      int_key(TESSERA_KEY(signaling, max_unauthenticated_per_address), 1, 100'000),
      string_key(TESSERA_KEY(signaling, ws_addr),
                 "an address like host:port or :port, or \"\" (the port of server.http_addr)",
                 check_optional_addr),
      string_key(TESSERA_KEY(signaling, public_url), "a string", check_nothing),
      duration_key(TESSERA_KEY(signaling, auth_timeout), 100ms, 1min),
      size_key(TESSERA_KEY(signaling, max_frame_bytes), kib, 16 * mib),
      positive_number_key(TESSERA_KEY(signaling, frames_per_sec), 1e6),
      int_key(TESSERA_KEY(signaling, frame_burst), 1, 1'000'000),
      int_key(TESSERA_KEY(signaling, max_connections), 1, 1'000'000),
      duration_key(TESSERA_KEY(signaling, idle_timeout), 1s, 1h),
      bool_key(TESSERA_KEY(signaling, require_contacts)),
      choice_key(TESSERA_KEY(signaling, broker), {"local", "redis"}),
      string_key(TESSERA_KEY(signaling, node_id), "a string", check_nothing),
      duration_key(TESSERA_KEY(signaling, presence_ttl), 1s, 1h),
      positive_number_key(TESSERA_KEY(signaling, relay_bytes_per_sec), 1e10),
      size_key(TESSERA_KEY(signaling, relay_burst_bytes), kib, gib),
      size_key(TESSERA_KEY(signaling, relay_daily_bytes), kib, 1024 * gib),
      int_key(TESSERA_KEY(signaling, offline_queue_size), 0, 100'000),
      duration_key(TESSERA_KEY(signaling, offline_queue_max_age), 1s, 7 * 24h),
      int_key(TESSERA_KEY(signaling, offline_queue_total), 0, 10'000'000),
      list_key(TESSERA_SUBKEY(signaling, turn, urls),
               "a list of stun:, turn: or turns: URLs, e.g. [\"turn:turn.example.org:3478\"]",
               "a URL string", check_ice_url),
      string_key(TESSERA_SUBKEY(signaling, turn, secret), "a string", check_nothing,
                 redact_secret),
      duration_key(TESSERA_SUBKEY(signaling, turn, credential_ttl), 1min, 7 * 24h),
      int_key(TESSERA_KEY(watch, history_size), 1, 1'000'000),
      duration_key(TESSERA_KEY(watch, history_age), 1s, 24h),
      int_key(TESSERA_KEY(watch, max_streams), 1, 1'000'000),
      bool_key(TESSERA_KEY(bridge, enabled)),
      choice_key(TESSERA_KEY(bridge, policy), {"open", "users", "contacts"}),
      list_key(TESSERA_KEY(bridge, allow_cidrs),
               "a list of IP addresses or CIDR ranges, e.g. [\"127.0.0.0/8\"]",
               "an address or CIDR range string", check_ip_range),
      string_key(TESSERA_KEY(bridge, node_key), "a base64url Ed25519 seed, or \"\"",
                 check_optional_seed, redact_secret),
      duration_key(TESSERA_KEY(bridge, call_timeout), 100ms, 10min),
      duration_key(TESSERA_KEY(bridge, stream_idle_timeout), 100ms, 1h),
      duration_key(TESSERA_KEY(bridge, stream_max_duration), 1s, 24h),
      size_key(TESSERA_KEY(bridge, max_response_bytes), 1024, 1024 * mib),
      positive_number_key(TESSERA_KEY(bridge, caller_calls_per_sec), 1e6),
      int_key(TESSERA_KEY(bridge, caller_burst), 1, 1'000'000),
      positive_number_key(TESSERA_KEY(bridge, agent_calls_per_sec), 1e6),
      int_key(TESSERA_KEY(bridge, agent_burst), 1, 1'000'000),
      int_key(TESSERA_KEY(bridge, max_sessions), 1, 1'000'000),
      duration_key(TESSERA_KEY(bridge, session_ttl), 1s, 24h),
      string_key(TESSERA_KEY(redis, addr), "an address like host:port", check_http_addr),
      string_key(TESSERA_KEY(redis, password), "a string", check_nothing, redact_secret),
      int_key(TESSERA_KEY(redis, db), 0, 15),
      string_key(TESSERA_KEY(audit_log, output), "stdout or file:PATH", check_audit_output),
      choice_key(TESSERA_KEY(logging, level), {"trace", "debug", "info", "warn", "error", "off"}),
      choice_key(TESSERA_KEY(logging, format), {"text", "json"}),
      int_key(TESSERA_KEY(actors, threads), 0, 256),
  };
  return table;
}

#undef TESSERA_KEY
#undef TESSERA_SUBKEY

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Scalar: return quoted(node.Scalar());
    default: return "no value";
  }
}

}  // namespace tessera::config
