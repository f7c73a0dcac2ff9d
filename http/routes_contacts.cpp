// /api/v1/agents/{id}/contacts and .../contact-requests: an agent's contact
// list (whom it accepts signaling from) and the requests that make two agents
// mutual contacts. The agent manages them itself (signed), or its owner does.
// Every committed change to who is whose contact is told to the signaling hub,
// whose connections keep a cache of their agent's mutual contacts.
#include "actors/clock.hpp"
#include "http/agent_io.hpp"
#include "http/ask.hpp"
#include "http/body.hpp"
#include "http/respond.hpp"
#include "http/route_table.hpp"
#include "http/write.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/community_rules.hpp"
#include "protocol/secret_token.hpp"

namespace tessera::http {

// Named, so that unity builds (several sources in one translation unit)
// can't mix these helpers up with another file's.
namespace contact_api {
namespace {

constexpr const char* request_prefix = "creq_";

nlohmann::ordered_json contact_json(const contact& x) {
  nlohmann::ordered_json j;
  j["contact_id"] = x.contact_id;
  j["mutual"] = x.mutual;
  j["created_at"] = rfc3339(x.created_at);
  return j;
}

nlohmann::ordered_json request_json(const contact_request& r) {
  nlohmann::ordered_json j;
  j["id"] = r.id;
  j["from_id"] = r.from_id;
  j["to_id"] = r.to_id;
  j["message"] = r.message;
  j["status"] = r.status;
  j["created_at"] = rfc3339(r.created_at);
  j["updated_at"] = rfc3339(r.updated_at);
  return j;
}

std::string check_message(std::string_view text) {
  return community::check_text("message", text, 0, contacts::max_request_message, true);
}

/// `doc[field]`: another agent's id (not `self`); nullopt after the 400.
std::optional<std::string> read_other_agent(const nlohmann::json& doc, const char* field,
                                            const std::string& self, response& res) {
  std::string id;
  if (!read_string(doc, field, 256, true, id, res))
    return std::nullopt;
  std::string name{field};
  if (!agent_id::is_valid(id)) {
    send_error(res, ec::invalid_request,
               name + ": not an agent id (expected a did:key fingerprint, z6Mk...)");
    return std::nullopt;
  }
  if (id == self) {
    send_error(res, ec::invalid_request, name + ": an agent can't be its own contact");
    return std::nullopt;
  }
  return id;
}

task<reply<std::vector<contact>>> contacts_of(const call& c, const std::string& agent_id) {
  co_return co_await ask<std::vector<contact>>(c, c.ctx.actors.readers, atom::contacts::value, agent_id);
}

std::optional<contact> find_contact(const std::vector<contact>& list, const std::string& id) {
  for (const auto& x : list)
    if (x.contact_id == id)
      return x;
  return std::nullopt;
}

task<reply<contact_request>> request_at(const call& c, const std::string& id) {
  co_return co_await ask<contact_request>(c, c.ctx.actors.readers, atom::request::value, id);
}

/// After the change committed: connected peers of either agent reload their
/// contacts cache.
void tell_hub(const call& c, const std::string& a, const std::string& b) {
  caf::anon_send(c.ctx.actors.hub, atom::contacts::value, a, b);
}

task<> list_contacts(const call& c) {
  auto id = path_id(c.req, c.res);
  if (!id)
    co_return;
  if (!check_params(c.req, c.res, {}))
    co_return;
  auto all = co_await contacts_of(c, *id);
  if (!all.ok())
    co_return send_error(c.res, all.error());
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& x : all.get())
    list.push_back(contact_json(x));
  send_json(c.res, 200, {{"contacts", list}});
}

task<> add_contact(const call& c) {
  auto id = path_id(c.req, c.res);
  if (!id)
    co_return;
  auto doc = read_object(c.req, c.res, {"contact_id"});
  if (!doc)
    co_return;
  auto other = read_other_agent(*doc, "contact_id", *id, c.res);
  if (!other)
    co_return;
  auto before = co_await contacts_of(c, *id);
  if (!before.ok())
    co_return send_error(c.res, before.error());
  if (auto present = find_contact(before.get(), *other))
    co_return send_json(c.res, 200, contact_json(*present));
  write_op op;
  op.kind = write_op::add_contact;
  op.agent.id = *id;
  op.key = *other;
  op.at = now_ms();
  auto done = co_await write(c, op);
  if (!done.ok())
    co_return send_error(c.res, done.error());
  tell_hub(c, *id, *other);
  // Read back for the mutual flag.
  auto after = co_await contacts_of(c, *id);
  if (!after.ok())
    co_return send_error(c.res, after.error());
  auto added = find_contact(after.get(), *other);
  if (!added)  // removed again in between
    co_return send_error(c.res, ec::conflict, "contact_id: removed again while it was being added");
  send_json(c.res, 201, contact_json(*added));
}

task<> remove_contact(const call& c) {
  auto id = path_id(c.req, c.res);
  if (!id)
    co_return;
  std::string other = c.req.path_param(1);
  if (!agent_id::is_valid(other))
    co_return send_error(c.res, ec::not_found,
                      "contact_id: not an agent id (expected a did:key fingerprint, z6Mk...)");
  write_op op;
  op.kind = write_op::remove_contact;
  op.agent.id = *id;
  op.key = other;
  auto done = co_await write(c, op);
  if (!done.ok())
    co_return send_error(c.res, done.error());
  tell_hub(c, *id, other);
  c.res.status = 204;
}

task<> send_request(const call& c) {
  auto id = path_id(c.req, c.res);
  if (!id)
    co_return;
  auto doc = read_object(c.req, c.res, {"to_id", "message"});
  if (!doc)
    co_return;
  auto to = read_other_agent(*doc, "to_id", *id, c.res);
  if (!to)
    co_return;
  contact_request r;
  if (!read_text(*doc, "message", false, r.message, check_message, c.res))
    co_return;
  // Two mutual contacts have nothing left to ask.
  auto mine = co_await contacts_of(c, *id);
  if (!mine.ok())
    co_return send_error(c.res, mine.error());
  if (auto listed = find_contact(mine.get(), *to); listed && listed->mutual)
    co_return send_error(c.res, ec::conflict, "to_id: " + *to + " is already a mutual contact");
  r.id = secret_token::generate_id(request_prefix);
  r.from_id = *id;
  r.to_id = *to;
  r.created_at = r.updated_at = now_ms();
  write_op op;
  op.kind = write_op::insert_contact_request;
  op.creq = r;
  auto done = co_await write(c, op);
  if (!done.ok())
    co_return send_error(c.res, done.error());
  send_json(c.res, 201, request_json(r));
}

task<> list_requests(const call& c, const char* direction) {
  auto id = path_id(c.req, c.res);
  if (!id)
    co_return;
  if (!check_params(c.req, c.res, {"status", "limit", "page_token"}))
    co_return;
  contact_request_query q;
  q.agent_id = *id;
  q.direction = direction;
  if (c.req.has_param("status")) {
    q.status = c.req.param("status");
    if (q.status != "pending" && q.status != "accepted" && q.status != "rejected")
      co_return send_error(c.res, ec::invalid_request,
                        "status: expected pending, accepted or rejected");
  }
  if (!read_limit(c.req, c.res, max_page, default_page, q.limit))
    co_return;
  if (c.req.has_param("page_token")) {
    auto after = community::parse_page_token(c.req.param("page_token"), request_prefix);
    if (!after)
      co_return send_error(c.res, ec::invalid_request, "page_token: not a token from a previous page");
    q.has_after = true;
    q.after_at = after->first;
    q.after_id = after->second;
  }
  auto page = co_await ask<contact_request_page>(c, c.ctx.actors.readers, atom::requests::value, q);
  if (!page.ok())
    co_return send_error(c.res, page.error());
  const auto& requests = page.get().requests;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& r : requests)
    list.push_back(request_json(r));
  nlohmann::ordered_json body;
  body["requests"] = list;
  body["next_page_token"] = page.get().has_more ? nlohmann::ordered_json(community::page_token(
                                                      requests.back().created_at, requests.back().id))
                                                : nlohmann::ordered_json();
  send_json(c.res, 200, body);
}

task<> list_incoming(const call& c) {
  co_await list_requests(c, "incoming");
}

task<> list_sent(const call& c) {
  co_await list_requests(c, "sent");
}

/// Only the recipient answers; to anyone else the request doesn't exist.
task<> answer_request(const call& c) {
  auto id = path_id(c.req, c.res);
  if (!id)
    co_return;
  std::string request_id = c.req.path_param(1);
  if (!secret_token::well_formed_id(request_id, request_prefix))
    co_return send_error(c.res, ec::not_found,
                      "request_id: not a contact request id (expected creq_ and 17 base62 "
                      "characters)");
  auto doc = read_object(c.req, c.res, {"action"});
  if (!doc)
    co_return;
  std::string action;
  if (!read_string(*doc, "action", 16, true, action, c.res))
    co_return;
  if (action != "accept" && action != "reject")
    co_return send_error(c.res, ec::invalid_request, "action: expected accept or reject");
  auto found = co_await request_at(c, request_id);
  if (!found.ok())
    co_return send_error(c.res, found.error());
  if (found.get().to_id != *id)
    co_return send_error(c.res, ec::not_found, "no contact request with id " + request_id);
  write_op op;
  op.kind = write_op::answer_contact_request;
  op.key = request_id;
  op.agent.id = *id;
  op.creq.status = action == "accept" ? "accepted" : "rejected";
  op.at = now_ms();
  auto done = co_await write(c, op);
  if (!done.ok())
    co_return send_error(c.res, done.error());
  if (action == "accept")
    tell_hub(c, found.get().from_id, *id);
  auto answered = found.get();
  answered.status = op.creq.status;
  answered.updated_at = op.at;
  send_json(c.res, 200, request_json(answered));
}

}  // namespace
}  // namespace contact_api

std::vector<route> contact_routes() {
  return {
      {"GET", "/api/v1/agents/{id}/contacts", access::agent_or_owner, contact_api::list_contacts},
      {"POST", "/api/v1/agents/{id}/contacts", access::agent_or_owner, contact_api::add_contact},
      {"DELETE", "/api/v1/agents/{id}/contacts/{contact_id}", access::agent_or_owner,
       contact_api::remove_contact},
      {"POST", "/api/v1/agents/{id}/contact-requests", access::agent_or_owner,
       contact_api::send_request},
      {"GET", "/api/v1/agents/{id}/contact-requests/incoming", access::agent_or_owner,
       contact_api::list_incoming},
      {"GET", "/api/v1/agents/{id}/contact-requests/sent", access::agent_or_owner,
       contact_api::list_sent},
      {"PUT", "/api/v1/agents/{id}/contact-requests/{request_id}", access::agent_or_owner,
       contact_api::answer_request},
  };
}

}  // namespace tessera::http
