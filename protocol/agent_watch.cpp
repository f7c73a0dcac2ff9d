#include "protocol/agent_watch.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>

#include "protocol/agent_json.hpp"

namespace tessera::watch {

namespace {

bool has(const std::vector<std::string>& values, const std::string& wanted) {
  return std::find(values.begin(), values.end(), wanted) != values.end();
}

}  // namespace

bool is_watched(const std::string& kind) {
  return kind == "agent_registered" || kind == "agent_updated" || kind == "agent_deregistered" ||
         kind == "agent_online" || kind == "agent_offline";
}

bool matches(const filter& f, const event& e) {
  return (f.id.empty() || f.id == e.agent_id) &&
         (f.protocol.empty() || has(e.protocols, f.protocol)) &&
         (f.skill.empty() || has(e.skills, f.skill)) && (f.tag.empty() || has(e.tags, f.tag));
}

event make_event(int64_t id, const agent_event& ev) {
  event e;
  e.id = id;
  e.at = ev.at;
  e.kind = ev.kind;
  e.agent_id = ev.agent_id;
  bool known = !ev.agent.id.empty();
  if (known) {
    e.protocols = ev.agent.protocols;
    e.skills = ev.agent.skills;
    e.tags = ev.agent.tags;
  }
  // The agent's JSON is spliced in as it is rendered for GET (the signed card
  // byte for byte), so it is not parsed again here.
  std::string data = nlohmann::json{{"type", ev.kind}, {"id", ev.agent_id}, {"at", rfc3339(ev.at)}}
                         .dump();
  data.pop_back();
  data += ",\"agent\":";
  data += known && ev.kind != "agent_deregistered" ? agent_json(ev.agent) : "null";
  data += '}';
  e.text = "id: " + std::to_string(id) + "\nevent: " + ev.kind + "\ndata: " + data + "\n\n";
  return e;
}

std::string reset_text(int64_t newest_id) {
  return "id: " + std::to_string(newest_id) +
         "\nevent: reset\ndata: {\"type\":\"reset\",\"message\":\"events since Last-Event-ID are "
         "no longer held; list the agents again, then keep watching from here\"}\n\n";
}

std::optional<int64_t> parse_event_id(std::string_view text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0)
    return std::nullopt;
  return value;
}

history::history(size_t max_events, int64_t max_age_ms, int64_t first_id)
    : max_events_(std::max<size_t>(1, max_events)),
      max_age_ms_(max_age_ms),
      next_id_(first_id),
      dropped_through_(first_id - 1) {}

const event& history::add(const agent_event& ev, int64_t now_ms) {
  events_.push_back(make_event(next_id_++, ev));
  while (events_.size() > max_events_) {
    dropped_through_ = events_.front().id;
    events_.pop_front();
  }
  expire(now_ms);
  return events_.back();
}

void history::expire(int64_t now_ms) {
  // The newest event stays whatever its age: it is what `add` returns.
  while (events_.size() > 1 && now_ms - events_.front().at > max_age_ms_) {
    dropped_through_ = events_.front().id;
    events_.pop_front();
  }
}

std::optional<std::vector<const event*>> history::since(int64_t last_id) const {
  if (last_id < dropped_through_ || last_id > newest_id())
    return std::nullopt;
  std::vector<const event*> out;
  auto it = std::upper_bound(events_.begin(), events_.end(), last_id,
                             [](int64_t id, const event& e) { return id < e.id; });
  for (; it != events_.end(); ++it)
    out.push_back(&*it);
  return out;
}

}  // namespace tessera::watch
