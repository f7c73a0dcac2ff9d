// /api/v1/directory: the public view of agents: the filtered, sorted, paged
// listing with full-text search, an agent's profile, and its reputation.
#include <map>
#include <nlohmann/json.hpp>

#include "actors/clock.hpp"
#include "http/agent_io.hpp"
#include "http/ask.hpp"
#include "http/body.hpp"
#include "http/respond.hpp"
#include "http/route_table.hpp"
#include "protocol/directory_token.hpp"
#include "protocol/reputation_record.hpp"

namespace tessera::http {

namespace {

constexpr int max_history_page = 200;
constexpr int default_history_page = 50;
// Long enough for a page token (a name of up to 128 characters, JSON-escaped
// and base64url-encoded); the other parameters have tighter limits of their own.
constexpr size_t max_param_bytes = 2048;

/// The score, tier, Trusted badge and event count shown for an entry, all as
/// of now: the stored state decays lazily.
struct standing {
  double score;
  reputation::tier tier;
  bool trusted;
  int64_t events;
};

standing standing_of(const directory_entry& e, const reputation::reputation_params& params,
                     int64_t now) {
  auto state = e.scored ? e.state : reputation::initial_state(params);
  double score = reputation::current_score(state, now, params);
  return {score, reputation::tier_of(score, params),
          reputation::trusted(e.agent.verified, score, state.events, params), state.events};
}

/// The card's description; "" if it has none (cards were validated on the way in).
std::string description_of(const agent_record& a) {
  auto card = nlohmann::json::parse(a.card, nullptr, false);
  if (!card.is_object())
    return "";
  auto d = card.find("description");
  return d != card.end() && d->is_string() ? d->get<std::string>() : "";
}

nlohmann::ordered_json entry_json(const directory_entry& e,
                                  const reputation::reputation_params& params, int64_t now) {
  auto s = standing_of(e, params, now);
  const auto& a = e.agent;
  nlohmann::ordered_json j;
  j["id"] = a.id;
  j["name"] = a.name;
  j["description"] = description_of(a);
  j["protocols"] = a.protocols;
  j["skills"] = a.skills;
  j["tags"] = a.tags;
  j["status"] = a.status;
  j["verified"] = a.verified;
  j["score"] = s.score;
  j["tier"] = reputation::to_string(s.tier);
  j["trusted"] = s.trusted;
  j["events"] = s.events;
  j["categories"] = e.categories;
  j["registered_at"] = rfc3339(a.registered_at);
  return j;
}

task<> list_directory(const call& c) {
  const auto& ctx = c.ctx;
  const auto& req = c.req;
  auto& res = c.res;
  if (!check_params(req, res,
                    {"skill", "protocol", "status", "verified", "min_score", "category", "tag", "q",
                     "sort", "limit", "page_token"},
                    max_param_bytes))
    co_return;
  std::map<std::string, std::string> values;
  for (const auto& [key, value] : req.params)
    values[key] = value;
  auto params = reputation::params_from(ctx.cfg.reputation);
  auto now = now_ms();
  directory_query q;
  if (auto p = directory_token::read_query(values, now, params, q); p.code != ec::none)
    co_return send_error(res, p);
  auto page = co_await ask<directory_page>(c, ctx.actors.readers, atom::directory::value, q);
  if (!page.ok())
    co_return send_error(res, page.error());
  const auto& entries = page.get().entries;
  nlohmann::ordered_json agents = nlohmann::ordered_json::array();
  for (const auto& e : entries)
    agents.push_back(entry_json(e, params, now));
  nlohmann::ordered_json body;
  body["agents"] = std::move(agents);
  body["next_page_token"] = page.get().more && !entries.empty()
                                ? nlohmann::ordered_json(directory_token::page_token(q.sort, entries.back()))
                                : nlohmann::ordered_json();
  send_json(res, 200, body);
}

task<> get_profile(const call& c) {
  const auto& ctx = c.ctx;
  const auto& req = c.req;
  auto& res = c.res;
  auto id = path_id(req, res);
  if (!id)
    co_return;
  if (!check_params(req, res, {}))
    co_return;
  auto found = co_await ask<agent_profile>(c, ctx.actors.readers, atom::profile::value, *id);
  if (!found.ok())
    co_return send_error(res, found.error());
  const auto& p = found.get();
  const auto& a = p.entry.agent;
  auto params = reputation::params_from(ctx.cfg.reputation);
  auto s = standing_of(p.entry, params, now_ms());
  nlohmann::ordered_json distribution;
  for (size_t stars = 1; stars <= 5; ++stars)
    distribution[std::to_string(stars)] =
        stars <= p.reviews.distribution.size() ? p.reviews.distribution[stars - 1] : 0;
  nlohmann::ordered_json j;
  j["id"] = a.id;
  j["name"] = a.name;
  j["description"] = description_of(a);
  j["status"] = a.status;
  j["verified"] = a.verified;
  j["verified_at"] = a.verified ? nlohmann::ordered_json(rfc3339(a.verified_at))
                                 : nlohmann::ordered_json();
  j["score"] = s.score;
  j["tier"] = reputation::to_string(s.tier);
  j["trusted"] = s.trusted;
  j["events"] = s.events;
  j["categories"] = p.entry.categories;
  j["reviews"] = {{"count", p.reviews.count},
                  {"average", p.reviews.average},
                  {"distribution", distribution}};
  j["registered_at"] = rfc3339(a.registered_at);
  j["last_seen"] = rfc3339(a.last_seen);
  // The stored card is spliced in byte for byte: clients get exactly what the
  // agent signed.
  auto text = j.dump();
  text.pop_back();  // the closing brace
  text += ",\"card\":";
  text += a.card;
  text += '}';
  res.status = 200;
  res.set_content(text, "application/json");
}

task<> get_reputation(const call& c) {
  const auto& ctx = c.ctx;
  const auto& req = c.req;
  auto& res = c.res;
  auto id = path_id(req, res);
  if (!id)
    co_return;
  if (!check_params(req, res, {"limit", "before"}))
    co_return;
  int32_t limit = 0;
  int64_t before = 0;
  if (!read_limit(req, res, max_history_page, default_history_page, limit) ||
      !read_before_seq(req, res, before))
    co_return;
  auto view = co_await ask<reputation_view>(c, ctx.actors.readers, atom::reputation::value, *id, before, limit);
  if (!view.ok())
    co_return send_error(res, view.error());
  auto params = reputation::params_from(ctx.cfg.reputation);
  const auto& v = view.get();
  auto state = v.scored ? v.state : reputation::initial_state(params);
  auto score = reputation::current_score(state, now_ms(), params);
  nlohmann::ordered_json history = nlohmann::ordered_json::array();
  for (const auto& e : v.history)
    history.push_back({{"seq", e.seq},
                       {"kind", e.kind},
                       {"at", rfc3339(e.at)},
                       {"score_before", e.score_before},
                       {"score_after", e.score_after}});
  nlohmann::ordered_json body;
  body["id"] = *id;
  body["score"] = score;
  body["tier"] = reputation::to_string(reputation::tier_of(score, params));
  body["events"] = state.events;
  // As stored, before decay to now: what the log folds to (tessera
  // reputation replay checks it).
  body["stored_score"] = state.score;
  body["updated_at"] =
      state.events > 0 ? nlohmann::ordered_json(rfc3339(state.updated_at)) : nlohmann::ordered_json();
  body["history"] = history;
  body["next_before"] = static_cast<int32_t>(v.history.size()) == limit
                            ? nlohmann::ordered_json(v.history.back().seq)
                            : nlohmann::ordered_json();
  send_json(res, 200, body);
}

}  // namespace

std::vector<route> directory_routes() {
  return {
      {"GET", "/api/v1/directory", access::open, list_directory},
      {"GET", "/api/v1/directory/{id}", access::open, get_profile},
      {"GET", "/api/v1/directory/{id}/reputation", access::open, get_reputation},
  };
}

}  // namespace tessera::http
