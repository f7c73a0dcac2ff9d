// Directory categories: anyone lists them, admins curate them (audited), and
// owners file their agents under at most a few of them.
#include <algorithm>
#include <set>

#include "actors/clock.hpp"
#include "http/agent_io.hpp"
#include "http/ask.hpp"
#include "http/audit.hpp"
#include "http/body.hpp"
#include "http/respond.hpp"
#include "http/route_table.hpp"
#include "http/write.hpp"
#include "protocol/community_rules.hpp"

namespace tessera::http {

// Named, so that unity builds (several sources in one translation unit)
// can't mix these helpers up with another file's.
namespace category_api {
namespace {

namespace rules = community;

nlohmann::ordered_json category_json(const category& c) {
  nlohmann::ordered_json j;
  j["id"] = c.id;
  j["name"] = c.name;
  j["description"] = c.description;
  j["created_at"] = rfc3339(c.created_at);
  j["updated_at"] = rfc3339(c.updated_at);
  return j;
}

/// The path's category id, if it is a slug (else a 404 was written).
std::optional<std::string> path_category(const call& c) {
  std::string id = c.req.path_param(0);
  if (rules::valid_category_id(id))
    return id;
  send_error(c.res, ec::not_found, "id: not a category id (a slug such as data-analysis)");
  return std::nullopt;
}

task<reply<std::vector<category>>> all_categories(const call& c) {
  co_return co_await ask<std::vector<category>>(c, c.ctx.actors.readers, atom::categories::value);
}

task<> list_categories(const call& c) {
  if (!check_params(c.req, c.res, {}))
    co_return;
  auto all = co_await all_categories(c);
  if (!all.ok())
    co_return send_error(c.res, all.error());
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& cat : all.get())
    list.push_back(category_json(cat));
  send_json(c.res, 200, {{"categories", list}});
}

task<> create_category(const call& c) {
  auto doc = read_object(c.req, c.res, {"id", "name", "description"});
  if (!doc)
    co_return;
  category cat;
  if (!read_text(*doc, "id", true, cat.id, rules::check_category_id, c.res) ||
      !read_text(*doc, "name", true, cat.name, rules::check_category_name, c.res) ||
      !read_text(*doc, "description", false, cat.description, rules::check_category_description,
                 c.res))
    co_return;
  cat.created_at = cat.updated_at = now_ms();
  write_op op;
  op.kind = write_op::insert_category;
  op.cat = cat;
  auto done = co_await write(c, op);
  if (!done.ok())
    co_return send_error(c.res, done.error());
  audit(c, "category_created", cat.id, {{"name", cat.name}});
  send_json(c.res, 201, category_json(cat));
}

task<> update_category(const call& c) {
  auto id = path_category(c);
  if (!id)
    co_return;
  auto doc = read_object(c.req, c.res, {"name", "description"});
  if (!doc)
    co_return;
  auto found =
      co_await ask<category>(c, c.ctx.actors.readers, atom::category::value, *id);
  if (!found.ok())
    co_return send_error(c.res, found.error());
  // Fields left out keep their values.
  auto cat = found.get();
  if (!read_text(*doc, "name", false, cat.name, rules::check_category_name, c.res) ||
      !read_text(*doc, "description", false, cat.description, rules::check_category_description,
                 c.res))
    co_return;
  cat.updated_at = now_ms();
  write_op op;
  op.kind = write_op::update_category;
  op.cat = cat;
  auto done = co_await write(c, op);
  if (!done.ok())
    co_return send_error(c.res, done.error());
  audit(c, "category_updated", cat.id, {{"name", cat.name}});
  send_json(c.res, 200, category_json(cat));
}

task<> delete_category(const call& c) {
  auto id = path_category(c);
  if (!id)
    co_return;
  write_op op;
  op.kind = write_op::delete_category;
  op.cat.id = *id;
  auto done = co_await write(c, op);
  if (!done.ok())
    co_return send_error(c.res, done.error());
  audit(c, "category_deleted", *id);
  c.res.status = 204;
}

/// {"categories":["slug",...]}: at most max_categories_per_agent distinct
/// slugs; nullopt after the 400 was written.
std::optional<std::vector<std::string>> read_category_ids(const call& c) {
  auto doc = read_object(c.req, c.res, {"categories"});
  if (!doc)
    return std::nullopt;
  auto it = doc->find("categories");
  if (it == doc->end() || !it->is_array()) {
    send_error(c.res, ec::invalid_request,
               "categories: expected an array of category ids, e.g. [\"data-analysis\"]");
    return std::nullopt;
  }
  if (it->size() > rules::max_categories_per_agent) {
    send_error(
        c.res, ec::invalid_request,
        "categories: at most " + std::to_string(rules::max_categories_per_agent) + " per agent");
    return std::nullopt;
  }
  std::set<std::string> ids;
  for (size_t i = 0; i < it->size(); ++i) {
    const auto& v = (*it)[i];
    auto field = "categories[" + std::to_string(i) + "]";
    if (!v.is_string() || !rules::valid_category_id(v.get_ref<const std::string&>())) {
      send_error(c.res, ec::invalid_request, field + ": not a category id");
      return std::nullopt;
    }
    if (!ids.insert(v.get<std::string>()).second) {
      send_error(c.res, ec::invalid_request,
                 field + ": " + v.get<std::string>() + " is listed twice");
      return std::nullopt;
    }
  }
  return std::vector<std::string>(ids.begin(), ids.end());
}

task<> assign_categories(const call& c) {
  auto id = path_id(c.req, c.res);
  if (!id)
    co_return;
  auto ids = read_category_ids(c);
  if (!ids)
    co_return;
  auto all = co_await all_categories(c);
  if (!all.ok())
    co_return send_error(c.res, all.error());
  for (const auto& wanted : *ids) {
    bool known = std::any_of(all.get().begin(), all.get().end(),
                             [&](const category& cat) { return cat.id == wanted; });
    if (!known)
      co_return send_error(
          c.res, ec::invalid_request,
          "categories: no category " + wanted + " (GET /api/v1/categories lists them)");
  }
  write_op op;
  op.kind = write_op::set_categories;
  op.agent.id = *id;
  op.names = *ids;
  auto done = co_await write(c, op);
  if (!done.ok())
    co_return send_error(c.res, done.error());
  send_json(c.res, 200, {{"id", *id}, {"categories", *ids}});
}

}  // namespace
}  // namespace category_api

std::vector<route> category_routes() {
  return {
      {"GET", "/api/v1/categories", access::open, category_api::list_categories},
      {"POST", "/api/v1/admin/categories", access::admin, category_api::create_category, true},
      {"PUT", "/api/v1/admin/categories/{id}", access::admin, category_api::update_category, true},
      {"DELETE", "/api/v1/admin/categories/{id}", access::admin, category_api::delete_category,
       true},
      {"PUT", "/api/v1/provider/agents/{id}/categories", access::owner,
       category_api::assign_categories, true},
  };
}

}  // namespace tessera::http
