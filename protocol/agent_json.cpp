#include "protocol/agent_json.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <ctime>

#include "protocol/agent_id.hpp"

namespace tessera {

std::string rfc3339(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  auto n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof(buf) - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

std::optional<int64_t> parse_rfc3339(const std::string& text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
  int y, mo, d, h, mi, sec, consumed = 0;
  if (text.size() > 40 ||
      std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
                  &consumed) != 6 ||
      consumed != 19)
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
    return std::nullopt;
  size_t at = 19;
  int64_t millis = 0;
  if (at < text.size() && text[at] == '.') {
    int64_t scale = 100;
    size_t digits = 0;
    for (++at; at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])); ++at) {
      millis += (text[at] - '0') * scale;
      scale /= 10;
      ++digits;
    }
    if (digits == 0)
      return std::nullopt;
  }
  int64_t offset_min = 0;
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    ++at;
  } else if (at + 6 == text.size() && (text[at] == '+' || text[at] == '-') &&
             text[at + 3] == ':') {
    int oh = 0, om = 0;
    if (std::sscanf(text.c_str() + at + 1, "%2d:%2d", &oh, &om) != 2 || oh > 23 || om > 59)
      return std::nullopt;
    offset_min = (text[at] == '+' ? 1 : -1) * (oh * 60 + om);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != text.size())
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  auto secs = static_cast<int64_t>(timegm(&tm));
  return (secs - offset_min * 60) * 1000 + millis;
}

std::string agent_json(const agent_record& a, bool with_owner) {
  nlohmann::ordered_json j;
  j["id"] = a.id;
  j["did"] = agent_id::to_did(a.id);
  j["name"] = a.name;
  j["status"] = a.status;
  j["registered_at"] = rfc3339(a.registered_at);
  j["updated_at"] = rfc3339(a.updated_at);
  j["last_seen"] = rfc3339(a.last_seen);
  j["verified"] = a.verified;
  j["verified_at"] =
      a.verified ? nlohmann::ordered_json(rfc3339(a.verified_at)) : nlohmann::ordered_json();
  if (with_owner)
    j["owner_id"] = a.owner_id.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(a.owner_id);
  auto text = j.dump();
  text.pop_back();  // the closing brace
  text += ",\"card\":";
  text += a.card;
  text += '}';
  return text;
}

}  // namespace tessera
