// The configuration loader on any YAML text (config::load_yaml, what tesserad --config
// reads), with a fixed fake environment for ${VAR}. It never throws; every error names
// a key path or is a syntax error; a configuration that loads prints (to_yaml, as
// --print-config does) to YAML that loads again and prints the same.
#include <map>

#include "config/load.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace tessera::config;

std::optional<std::string> fake_env(const std::string& name) {
  static const std::map<std::string, std::string> vars = {
      {"PORT", "8080"}, {"HOST", "127.0.0.1"}, {"EMPTY", ""}, {"SECRET", "k3Y-s3cr3t"},
      {"DSN", "host=db user=tessera password=pw dbname=tessera"}, {"DOLLAR", "$"}};
  auto it = vars.find(name);
  if (it == vars.end()) return std::nullopt;
  return it->second;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(fuzz::as_text(data, size));
  env_lookup env = fake_env;
  auto result = load_yaml(text, env);
  if (!result.ok()) {
    for (const auto& e : result.errors) FUZZ_CHECK(!e.message.empty(), e.key);
    return 0;
  }
  auto printed = to_yaml(result.value);
  auto reloaded = load_yaml(printed, env);
  std::string why;
  for (const auto& e : reloaded.errors) why += e.key + ": " + e.message + "; ";
  FUZZ_CHECK(reloaded.ok(), why + "\n" + printed);
  FUZZ_CHECK(to_yaml(reloaded.value) == printed, printed);
  return 0;
}
