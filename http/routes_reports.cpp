// Reports: a user flags an agent or a review for the admins, who list them by
// status and resolve or delete them. Filing and every admin change are
// audited.
#include "actors/clock.hpp"
#include "http/ask.hpp"
#include "http/audit.hpp"
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
namespace report_api {
namespace {

namespace rules = community;


nlohmann::ordered_json report_json(const report& r) {
  auto or_null = [](const std::string& s) {
    return s.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(s);
  };
  nlohmann::ordered_json j;
  j["id"] = r.id;
  j["reporter_id"] = r.reporter_id;
  j["target_kind"] = r.target_kind;
  j["target_id"] = r.target_id;
  j["reason"] = r.reason;
  j["details"] = r.details;
  j["status"] = r.status;
  j["note"] = r.note;
  j["resolved_by"] = or_null(r.resolved_by);
  j["created_at"] = rfc3339(r.created_at);
  j["updated_at"] = rfc3339(r.updated_at);
  return j;
}

/// The path's report id, if it has the shape of one (else a 404 was written).
std::optional<std::string> path_report(const call& c) {
  std::string id = c.req.path_param(0);
  if (secret_token::well_formed_id(id, "rep_"))
    return id;
  send_error(c.res, ec::not_found, "id: not a report id (expected rep_ and 17 base62 characters)");
  return std::nullopt;
}

task<reply<report>> report_at(const call& c, const std::string& id) {
  co_return co_await ask<report>(c, c.ctx.actors.readers, atom::report::value, id);
}

/// Whether the reported agent or review exists; writes the 404 (naming
/// target_id) or the error otherwise.
task<bool> target_exists(const call& c, const std::string& kind, const std::string& id) {
  bool agent = kind == "agent";
  bool well_formed = agent ? agent_id::is_valid(id) : secret_token::well_formed_id(id, "rev_");
  auto missing = "target_id: no " + kind + " with id " + id.substr(0, 128);
  if (!well_formed) {
    send_error(c.res, ec::not_found, missing);
    co_return false;
  }
  problem err;
  if (agent) {
    auto found =
        co_await ask<agent_record>(c, c.ctx.actors.readers, atom::get::value, id);
    if (!found.ok())
      err = found.error();
  } else {
    auto found =
        co_await ask<review>(c, c.ctx.actors.readers, atom::review::value, id);
    if (!found.ok())
      err = found.error();
  }
  if (err.code == ec::none)
    co_return true;
  if (err.code == ec::not_found)
    send_error(c.res, ec::not_found, missing);
  else
    send_error(c.res, err);
  co_return false;
}

task<> file_report(const call& c) {
  auto doc = read_object(c.req, c.res, {"target_kind", "target_id", "reason", "details"});
  if (!doc)
    co_return;
  report r;
  if (!read_string(*doc, "target_kind", 16, true, r.target_kind, c.res) ||
      !read_string(*doc, "target_id", 256, true, r.target_id, c.res) ||
      !read_string(*doc, "reason", 32, true, r.reason, c.res))
    co_return;
  if (!rules::valid_report_target_kind(r.target_kind))
    co_return send_error(c.res, ec::invalid_request, "target_kind: expected agent or review");
  if (!rules::valid_report_reason(r.reason))
    co_return send_error(c.res, ec::invalid_request,
                      std::string("reason: expected ") + rules::report_reasons_text);
  if (!read_text(*doc, "details", false, r.details, rules::check_report_details, c.res))
    co_return;
  if (!co_await target_exists(c, r.target_kind, r.target_id))
    co_return;
  r.reporter_id = c.who.user_id;
  r.id = secret_token::generate_id("rep_");
  r.status = "open";
  r.created_at = r.updated_at = now_ms();
  write_op op;
  op.kind = write_op::insert_report;
  op.rep = r;
  auto done = co_await write(c, op);
  if (!done.ok())
    co_return send_error(c.res, done.error());
  audit(c, "report_filed", r.id,
        {{"target_kind", r.target_kind}, {"target_id", r.target_id}, {"reason", r.reason}});
  c.res.set_header("Location", "/api/v1/admin/reports/" + r.id);
  send_json(c.res, 201, report_json(r));
}

task<> list_reports(const call& c) {
  if (!check_params(c.req, c.res, {"status", "limit", "page_token"}))
    co_return;
  report_query q;
  q.status = c.req.param("status");
  if (!q.status.empty() && !rules::valid_report_status(q.status))
    co_return send_error(c.res, ec::invalid_request,
                      "status: expected open, reviewed, dismissed or actioned");
  if (!read_limit(c.req, c.res, max_page, default_page, q.limit))
    co_return;
  if (c.req.has_param("page_token")) {
    auto after = rules::parse_page_token(c.req.param("page_token"), "rep_");
    if (!after)
      co_return send_error(c.res, ec::invalid_request, "page_token: not a token from a previous page");
    q.has_after = true;
    q.after_at = after->first;
    q.after_id = after->second;
  }
  auto page =
      co_await ask<report_page>(c, c.ctx.actors.readers, atom::reports::value, q);
  if (!page.ok())
    co_return send_error(c.res, page.error());
  const auto& reports = page.get().reports;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& r : reports)
    list.push_back(report_json(r));
  nlohmann::ordered_json body;
  body["reports"] = list;
  body["next_page_token"] =
      page.get().more
          ? nlohmann::ordered_json(rules::page_token(reports.back().created_at, reports.back().id))
          : nlohmann::ordered_json();
  send_json(c.res, 200, body);
}

task<> get_report(const call& c) {
  auto id = path_report(c);
  if (!id)
    co_return;
  auto found = co_await report_at(c, *id);
  if (!found.ok())
    co_return send_error(c.res, found.error());
  send_json(c.res, 200, report_json(found.get()));
}

task<> resolve_report(const call& c) {
  auto id = path_report(c);
  if (!id)
    co_return;
  auto doc = read_object(c.req, c.res, {"status", "note"});
  if (!doc)
    co_return;
  std::string status;
  if (!read_string(*doc, "status", 16, true, status, c.res))
    co_return;
  if (!rules::valid_report_resolution(status))
    co_return send_error(c.res, ec::invalid_request,
                      std::string("status: expected ") + rules::report_resolutions_text);
  std::string note;
  if (!read_text(*doc, "note", false, note, rules::check_report_note, c.res))
    co_return;
  auto found = co_await report_at(c, *id);
  if (!found.ok())
    co_return send_error(c.res, found.error());
  auto r = found.get();
  auto before = r.status;
  r.status = status;
  r.note = note;
  r.resolved_by = c.who.user_id;
  r.updated_at = now_ms();
  write_op op;
  op.kind = write_op::update_report;
  op.rep = r;
  auto done = co_await write(c, op);
  if (!done.ok())
    co_return send_error(c.res, done.error());
  audit(c, "report_resolved", r.id, {{"from", before}, {"to", status}});
  send_json(c.res, 200, report_json(r));
}

task<> delete_report(const call& c) {
  auto id = path_report(c);
  if (!id)
    co_return;
  write_op op;
  op.kind = write_op::delete_report;
  op.key = *id;
  auto done = co_await write(c, op);
  if (!done.ok())
    co_return send_error(c.res, done.error());
  audit(c, "report_deleted", *id);
  c.res.status = 204;
}

}  // namespace
}  // namespace report_api

std::vector<route> report_routes() {
  return {
      {"POST", "/api/v1/reports", access::user, report_api::file_report, true},
      {"GET", "/api/v1/admin/reports", access::admin, report_api::list_reports, true},
      {"GET", "/api/v1/admin/reports/{id}", access::admin, report_api::get_report, true},
      {"PUT", "/api/v1/admin/reports/{id}", access::admin, report_api::resolve_report, true},
      {"DELETE", "/api/v1/admin/reports/{id}", access::admin, report_api::delete_report, true},
  };
}

}  // namespace tessera::http
