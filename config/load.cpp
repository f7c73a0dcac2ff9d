#include "config/load.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>

#include "config/keys.hpp"
#include "config/values.hpp"

namespace tessera::config {

namespace {

std::string_view section_of(const key_spec& key) {
  return std::string_view(key.path).substr(0, key.path.find('.'));
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitution});
    }
  }
  return row[b.size()];
}

config_error unknown_key(const std::string& path) {
  std::string best;
  size_t best_distance = 3;  // suggest only within edit distance 2
  auto consider = [&](std::string_view candidate) {
    if (auto distance = edit_distance(path, candidate); distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  };
  // Every level of every key: sections, nested mappings (signaling.turn) and the keys themselves.
  for (const auto& key : keys())
    for (size_t dot = key.path.find('.'); ; dot = key.path.find('.', dot + 1)) {
      consider(std::string_view(key.path).substr(0, dot));
      if (dot == std::string::npos) break;
    }
  return {path, best.empty() ? "unknown key" : "unknown key (did you mean " + best + "?)"};
}

// True if some key lies below `path`, i.e. `path` names a section or a nested mapping.
bool is_mapping_path(const std::string& path) {
  return std::any_of(keys().begin(), keys().end(), [&](const key_spec& k) {
    return k.path.size() > path.size() && k.path.starts_with(path) && k.path[path.size()] == '.';
  });
}

// Reads the mapping at `prefix` (a section such as "server", or a nested mapping such as
// "signaling.turn"): each entry is a key of the table or, one level down, another mapping.
void read_mapping(const std::string& prefix, const YAML::Node& node, load_result& result,
                  const env_lookup& env) {
  if (node.IsNull()) return;  // "server:" with nothing under it keeps the defaults
  if (!node.IsMap()) {
    result.errors.push_back({prefix, "expected a mapping of keys, got " + describe(node)});
    return;
  }
  each_entry(node, prefix, result.errors, [&](const std::string& name, const YAML::Node& value) {
    std::string path = prefix + "." + name;
    auto key = std::find_if(keys().begin(), keys().end(),
                            [&](const key_spec& k) { return k.path == path; });
    if (key != keys().end())
      key->read(value, result.value, env, result.errors);
    else if (is_mapping_path(path))
      read_mapping(path, value, result, env);
    else
      result.errors.push_back(unknown_key(path));
  });
}

bool has_error(const load_result& result, std::string_view key) {
  return std::any_of(result.errors.begin(), result.errors.end(),
                     [&](const config_error& e) { return e.key == key; });
}

// Checks between keys, run only on values that parsed cleanly so one typo is not reported twice.
void check_relations(load_result& result) {
  const auto& s = result.value;
  auto clean = [&](std::string_view a, std::string_view b) {
    return !has_error(result, a) && !has_error(result, b);
  };
  if (clean("registry.heartbeat_interval", "registry.offline_after") &&
      s.registry.offline_after <= s.registry.heartbeat_interval)
    result.errors.push_back(
        {"registry.offline_after", "must be greater than registry.heartbeat_interval (" +
                                       format_duration(s.registry.heartbeat_interval) + "), got " +
                                       format_duration(s.registry.offline_after)});
  // A session must not end before the access token it renews.
  if (clean("user_auth.access_ttl", "user_auth.refresh_ttl") &&
      s.user_auth.refresh_ttl < s.user_auth.access_ttl)
    result.errors.push_back(
        {"user_auth.refresh_ttl", "must be at least user_auth.access_ttl (" +
                                      format_duration(s.user_auth.access_ttl) + "), got " +
                                      format_duration(s.user_auth.refresh_ttl)});
  // The two listeners can't share a port on overlapping interfaces: say so here rather than
  // fail to bind at start-up.
  if (s.signaling.enabled && !s.signaling.ws_addr.empty() &&
      clean("server.http_addr", "signaling.ws_addr") && listeners_clash(s.server.http_addr, s.signaling.ws_addr))
    result.errors.push_back({"signaling.ws_addr", "must not listen where server.http_addr does (" +
                                                      s.server.http_addr + "), got " +
                                                      s.signaling.ws_addr});
}

std::string syntax_message(const YAML::Exception& e) {
  if (e.mark.is_null()) return "YAML syntax error: " + e.msg;
  return "YAML syntax error at line " + std::to_string(e.mark.line + 1) + ", column " +
         std::to_string(e.mark.column + 1) + ": " + e.msg;
}

}  // namespace

env_lookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

load_result load_yaml(const std::string& text, const env_lookup& env) {
  load_result result;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    result.errors.push_back({"", syntax_message(e)});
    return result;
  }
  if (root.IsNull()) return result;  // an empty file: all defaults
  if (!root.IsMap()) {
    result.errors.push_back(
        {"", "the configuration must be a mapping of sections (server, database, ...), got " +
                 describe(root)});
    return result;
  }
  each_entry(root, "", result.errors, [&](const std::string& name, const YAML::Node& node) {
    bool known = std::any_of(keys().begin(), keys().end(),
                             [&](const key_spec& k) { return section_of(k) == name; });
    if (known)
      read_mapping(name, node, result, env);
    else
      result.errors.push_back(unknown_key(name));
  });
  check_relations(result);
  return result;
}

load_result load_file(const std::string& path, const env_lookup& env) {
  struct closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, closer> file(std::fopen(path.c_str(), "rb"));
  std::string text;
  int error = file ? 0 : errno;
  if (file) {
    char buffer[4096];
    while (size_t n = std::fread(buffer, 1, sizeof buffer, file.get())) text.append(buffer, n);
    if (std::ferror(file.get())) error = errno;
  }
  if (error != 0) {
    load_result result;
    result.errors.push_back({"", "cannot read " + path + ": " + std::strerror(error)});
    return result;
  }
  return load_yaml(text, env);
}

std::string to_yaml(const settings& s) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  // The mappings open now, outermost first: a section, then maybe a nested one (signaling.turn).
  // Keys of one mapping are adjacent in the table, so each mapping opens once.
  std::vector<std::string_view> open;
  for (const auto& key : keys()) {
    std::vector<std::string_view> parents;
    std::string_view path = key.path;
    for (auto dot = path.find('.'); dot != std::string_view::npos; dot = path.find('.')) {
      parents.push_back(path.substr(0, dot));
      path.remove_prefix(dot + 1);
    }
    size_t common = 0;
    while (common < open.size() && common < parents.size() && open[common] == parents[common])
      ++common;
    for (; open.size() > common; open.pop_back()) out << YAML::EndMap;
    for (size_t i = common; i < parents.size(); ++i) {
      out << YAML::Key << std::string(parents[i]) << YAML::Value << YAML::BeginMap;
      open.push_back(parents[i]);
    }
    out << YAML::Key << std::string(path) << YAML::Value;
    key.print(out, s);
  }
  for (; !open.empty(); open.pop_back()) out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace tessera::config
