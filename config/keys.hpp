#pragma once
// The configuration key table: every key of settings, how to read it from YAML and how to
// print it back. load.cpp walks it to load a file and to print the effective settings.
#include <yaml-cpp/yaml.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "config/load.hpp"

namespace tessera::config {

// One configuration key: how to read it into settings and how to print it back.
struct key_spec {
  std::string path;  // "section.name"
  std::function<void(const YAML::Node&, settings&, const env_lookup&, std::vector<config_error>&)>
      read;
  std::function<void(YAML::Emitter&, const settings&)> print;
};

// Every key, in the order of settings.hpp (which is also the order to_yaml prints).
const std::vector<key_spec>& keys();

// How a node that has the wrong shape looks to the user, for "expected X, got Y".
std::string describe(const YAML::Node& node);

// Calls visit(name, value) for each entry of a mapping, reporting duplicate and non-string keys
// (yaml-cpp accepts both silently, and a repeated key would hide which value wins).
template <class Visit>
void each_entry(const YAML::Node& map, const std::string& prefix,
                std::vector<config_error>& errors, Visit visit) {
  std::set<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (!it->first.IsScalar()) {
      errors.push_back({prefix, "keys must be plain names, got " + describe(it->first)});
      continue;
    }
    const std::string& name = it->first.Scalar();
    if (!seen.insert(name).second)
      errors.push_back({prefix.empty() ? name : prefix + "." + name, "duplicate key"});
    else
      visit(name, it->second);
  }
}

}  // namespace tessera::config
