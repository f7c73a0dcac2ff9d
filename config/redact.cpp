#include "config/redact.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "protocol/encoding.hpp"

namespace tessera::config {

namespace {

// postgresql://user:secret@host/db?password=secret -> both secrets become ***.
std::string redact_url(std::string dsn) {
  size_t authority = dsn.find("://") + 3;
  size_t authority_end = std::min(dsn.find_first_of("/?#", authority), dsn.size());
  size_t at = dsn.rfind('@', authority_end);
  if (at != std::string::npos && at >= authority) {
    size_t colon = dsn.find(':', authority);
    if (colon < at) dsn.replace(colon + 1, at - colon - 1, "***");
  }
  // libpq also takes the password as a query parameter.
  for (size_t param = dsn.find('?'); param != std::string::npos;
       param = dsn.find('&', param + 1)) {
    // libpq percent-decodes the keys too: "pass%77ord" is "password".
    size_t key_end = std::min(dsn.find_first_of("=&#", param + 1), dsn.size());
    std::string key;
    if (key_end == dsn.size() || dsn[key_end] != '=' ||
        !encoding::percent_decode(std::string_view(dsn).substr(param + 1, key_end - param - 1),
                                  false, key) ||
        key != "password")
      continue;
    size_t value = key_end + 1;
    size_t value_end = std::min(dsn.find_first_of("&#", value), dsn.size());
    dsn.replace(value, value_end - value, "***");
  }
  return dsn;
}

// host=db password='se cret' -> host=db password=***. Words that are not key=value (a sqlite
// path) pass through unchanged; they do not stop the scan, so a password after one is still hidden.
std::string redact_conninfo(const std::string& dsn) {
  auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  std::string out;
  size_t i = 0;
  auto copy_spaces = [&] {
    while (i < dsn.size() && space(dsn[i])) out += dsn[i++];
  };
  copy_spaces();
  while (i < dsn.size()) {
    size_t key_start = i;
    while (i < dsn.size() && dsn[i] != '=' && !space(dsn[i])) ++i;
    std::string_view key(dsn.data() + key_start, i - key_start);
    out += key;
    copy_spaces();
    if (i >= dsn.size() || dsn[i] != '=') continue;
    out += dsn[i++];
    copy_spaces();
    size_t value_start = i;
    if (i < dsn.size() && dsn[i] == '\'') {
      for (++i; i < dsn.size() && dsn[i] != '\''; ++i)
        if (dsn[i] == '\\') ++i;  // \' and \\ are escapes inside quotes
      i = std::min(i + 1, dsn.size());
    } else {
      while (i < dsn.size() && !space(dsn[i])) ++i;
    }
    out += key == "password" ? "***" : dsn.substr(value_start, i - value_start);
    copy_spaces();
  }
  return out;
}

}  // namespace

std::string redact_dsn(const std::string& dsn) {
  return dsn.find("://") != std::string::npos ? redact_url(dsn) : redact_conninfo(dsn);
}

std::string redact_secret(const std::string& secret) { return secret.empty() ? "" : "***"; }

}  // namespace tessera::config
