// /api/v1/directory/{id}/reviews: users rate agents, one review per user and
// agent (writing again replaces it), and the ratings feed the agent's
// reputation as community_rules says. Admins remove reviews (audited).
#include "actors/clock.hpp"
#include "http/agent_io.hpp"
#include "http/ask.hpp"
#include "http/audit.hpp"
#include "http/body.hpp"
#include "http/respond.hpp"
#include "http/route_table.hpp"
#include "http/write.hpp"
#include "protocol/community_rules.hpp"
#include "protocol/secret_token.hpp"

namespace tessera::http {

// Named, so that unity builds (several sources in one translation unit)
// can't mix these helpers up with another file's.
namespace review_api {
namespace {

namespace rules = community;

constexpr int max_page = 100;
constexpr int default_page = 20;

/// What anyone may see of a review: never the author's email, nor their id.
nlohmann::ordered_json review_json(const review& r) {
  nlohmann::ordered_json j;
  j["id"] = r.id;
  j["agent_id"] = r.agent_id;
  j["rating"] = r.rating;
  j["text"] = r.text;
  j["author"] = r.author;
  j["created_at"] = rfc3339(r.created_at);
  j["updated_at"] = rfc3339(r.updated_at);
  return j;
}

task<reply<agent_record>> agent_at(const call& c, const std::string& id) {
  co_return co_await ask<agent_record>(c, c.ctx.actors.readers, atom::get::value,
                           id);
}

task<reply<review>> review_of(const call& c, const std::string& agent_id) {
  co_return co_await ask<review>(c, c.ctx.actors.readers, atom::review_of::value,
                     agent_id, c.who.user_id);
}

task<> post_review(const call& c) {
  auto id = path_id(c.req, c.res);
  if (!id)
    co_return;
  auto doc = read_object(c.req, c.res, {"rating", "text"});
  if (!doc)
    co_return;
  auto rating = doc->find("rating");
  if (rating == doc->end() || !rating->is_number_integer() ||
      !rules::valid_rating(rating->get<int64_t>()))
    co_return send_error(c.res, ec::invalid_request, "rating: expected an integer from 1 to 5");
  std::string text;
  if (!read_text(*doc, "text", false, text, rules::check_review_text, c.res))
    co_return;
  auto agent = co_await agent_at(c, *id);
  if (!agent.ok())
    co_return send_error(c.res, agent.error());
  if (agent.get().owner_id == c.who.user_id)
    co_return send_error(c.res, ec::forbidden, "you can't review your own agent");
  // Concurrent posts by one user race for the review: the writer takes a
  // post only if the review still is as it was read, so just one of them can
  // credit the agent; the others read again and see what it credited.
  reply<caf::ok_atom> done{problem{ec::conflict, ""}};
  std::optional<reputation::event_kind> credit;
  bool replaces = false;
  int64_t now = 0;
  for (int attempt = 0; attempt < 3 && !done.ok() && done.error().code == ec::conflict;
       ++attempt) {
    // The review this one replaces, if any, even a deleted one: it keeps its
    // id (and creation time, unless deleted), and what it credited last
    // decides whether this one credits the agent.
    auto existing = co_await review_of(c, *id);
    if (!existing.ok() && existing.error().code != ec::not_found)
      co_return send_error(c.res, existing.error());
    replaces = existing.ok() && !existing.get().deleted;
    now = now_ms();
    review r;
    r.agent_id = *id;
    r.user_id = c.who.user_id;
    r.rating = rating->get<int32_t>();
    r.text = text;
    r.updated_at = now;
    r.id = existing.ok() ? existing.get().id : secret_token::generate_id("rev_");
    r.created_at = replaces ? existing.get().created_at : now;
    write_op op;
    op.kind = write_op::put_review;
    op.key = existing.ok() ? existing.get().credited : "";
    r.credited = op.key;
    credit = rules::review_credit(r.credited, r.rating);
    if (credit)
      r.credited = reputation::to_string(*credit);
    op.rev = r;
    done = co_await write(c, op);
  }
  if (!done.ok())
    co_return send_error(c.res, done.error());
  // Credited once committed, to the agent the review is about.
  if (credit)
    caf::anon_send(c.ctx.actors.reputation, atom::credit::value, *id,
                   std::string{reputation::to_string(*credit)}, now);
  // Read back for the author's display name.
  auto stored = co_await review_of(c, *id);
  if (!stored.ok())
    co_return send_error(c.res, stored.error());
  send_json(c.res, replaces ? 200 : 201, review_json(stored.get()));
}

task<> delete_own_review(const call& c) {
  auto id = path_id(c.req, c.res);
  if (!id)
    co_return;
  auto existing = co_await review_of(c, *id);
  if (!existing.ok())
    co_return send_error(c.res, existing.error());
  if (existing.get().deleted)
    co_return send_error(c.res, ec::not_found, "you have not reviewed agent " + *id);
  write_op op;
  op.kind = write_op::delete_review;
  op.key = existing.get().id;
  op.user.id = c.who.user_id;
  op.at = now_ms();
  auto done = co_await write(c, op);
  if (!done.ok())
    co_return send_error(c.res, done.error());
  c.res.status = 204;
}

task<> list_reviews(const call& c) {
  auto id = path_id(c.req, c.res);
  if (!id)
    co_return;
  if (!check_params(c.req, c.res, {"limit", "page_token"}))
    co_return;
  review_query q;
  q.agent_id = *id;
  if (!read_limit(c.req, c.res, max_page, default_page, q.limit))
    co_return;
  if (c.req.has_param("page_token")) {
    auto after = rules::parse_page_token(c.req.param("page_token"), "rev_");
    if (!after)
      co_return send_error(c.res, ec::invalid_request, "page_token: not a token from a previous page");
    q.has_after = true;
    q.after_at = after->first;
    q.after_id = after->second;
  }
  auto agent = co_await agent_at(c, *id);
  if (!agent.ok())
    co_return send_error(c.res, agent.error());
  auto page =
      co_await ask<review_page>(c, c.ctx.actors.readers, atom::reviews::value, q);
  if (!page.ok())
    co_return send_error(c.res, page.error());
  const auto& reviews = page.get().reviews;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& r : reviews)
    list.push_back(review_json(r));
  nlohmann::ordered_json body;
  body["reviews"] = list;
  body["next_page_token"] =
      page.get().more
          ? nlohmann::ordered_json(rules::page_token(reviews.back().created_at, reviews.back().id))
          : nlohmann::ordered_json();
  send_json(c.res, 200, body);
}

task<> review_summary_of(const call& c) {
  auto id = path_id(c.req, c.res);
  if (!id)
    co_return;
  if (!check_params(c.req, c.res, {}))
    co_return;
  auto agent = co_await agent_at(c, *id);
  if (!agent.ok())
    co_return send_error(c.res, agent.error());
  auto s = co_await ask<review_summary>(c, c.ctx.actors.readers, atom::summary::value, *id);
  if (!s.ok())
    co_return send_error(c.res, s.error());
  nlohmann::ordered_json distribution;
  for (size_t stars = 1; stars <= 5; ++stars)
    distribution[std::to_string(stars)] =
        stars <= s.get().distribution.size() ? s.get().distribution[stars - 1] : 0;
  nlohmann::ordered_json body;
  body["id"] = *id;
  body["count"] = s.get().count;
  body["average"] = s.get().average;
  body["distribution"] = distribution;
  send_json(c.res, 200, body);
}

task<> remove_review(const call& c) {
  std::string id = c.req.path_param(0);
  if (!secret_token::well_formed_id(id, "rev_"))
    co_return send_error(c.res, ec::not_found,
                      "id: not a review id (expected rev_ and 17 base62 characters)");
  auto found =
      co_await ask<review>(c, c.ctx.actors.readers, atom::review::value, id);
  if (!found.ok())
    co_return send_error(c.res, found.error());
  write_op op;
  op.kind = write_op::delete_review;
  op.key = id;  // op.user.id "": whoever wrote it
  op.at = now_ms();
  auto done = co_await write(c, op);
  if (!done.ok())
    co_return send_error(c.res, done.error());
  const auto& r = found.get();
  audit(c, "review_removed", id,
        {{"agent_id", r.agent_id}, {"author_id", r.user_id}, {"rating", r.rating}});
  c.res.status = 204;
}

}  // namespace
}  // namespace review_api

std::vector<route> review_routes() {
  return {
      {"POST", "/api/v1/directory/{id}/reviews", access::user, review_api::post_review, true},
      {"DELETE", "/api/v1/directory/{id}/reviews", access::user, review_api::delete_own_review,
       true},
      {"GET", "/api/v1/directory/{id}/reviews", access::open, review_api::list_reviews},
      {"GET", "/api/v1/directory/{id}/reviews/summary", access::open,
       review_api::review_summary_of},
      {"DELETE", "/api/v1/admin/reviews/{id}", access::admin, review_api::remove_review, true},
  };
}

}  // namespace tessera::http
