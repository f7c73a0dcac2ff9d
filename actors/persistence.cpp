#include "actors/persistence.hpp"

#include <nlohmann/json.hpp>

#include "actors/errors.hpp"
#include "storage/agent_repository.hpp"
#include "protocol/community_rules.hpp"
#include "storage/audit_repository.hpp"
#include "storage/community_repository.hpp"
#include "storage/contact_repository.hpp"
#include "storage/credential_repository.hpp"
#include "storage/database.hpp"
#include "storage/reputation_repository.hpp"
#include "storage/user_repository.hpp"

namespace tessera {

namespace {

/// Binds the agent to the claim token's user if the token is still good.
problem use_claim(storage::session& sql, const write_op& op) {
  namespace creds = storage::credentials;
  if (!storage::agents::find(sql, op.agent.id))
    return {ec::not_found, "no agent with id " + op.agent.id};
  if (!creds::use_claim(sql, op.key, op.agent.id, op.at))
    return {ec::conflict, "the claim token is unknown, already used or expired"};
  // The token row was just changed, so it exists.
  storage::agents::set_owner(sql, op.agent.id, creds::find(sql, op.key)->user_id);
  return {};
}

/// A user's open reports can't pile up: checked here, in the single writer,
/// so concurrent filings can't all slip under the limit.
problem insert_report(storage::session& sql, const report& r) {
  namespace reports = storage::reports;
  if (auto open = reports::open_on(sql, r.reporter_id, r.target_kind, r.target_id))
    return {ec::conflict, "target_id: you already reported it (report " + *open + " is open)"};
  if (reports::open_count(sql, r.reporter_id) >=
      static_cast<int64_t>(community::max_open_reports_per_user))
    return {ec::conflict, "at most " + std::to_string(community::max_open_reports_per_user) +
                              " open reports per user; wait until the admins resolve some"};
  reports::insert(sql, r);
  return {};
}

/// Only the first of concurrent review posts may credit the agent: the
/// handler decided its credit from the `credited` it read, which must still
/// be the stored one (`expected`; "" when there is no review yet).
problem put_review(storage::session& sql, const review& r, const std::string& expected) {
  auto existing = storage::reviews::find_of(sql, r.agent_id, r.user_id);
  if ((existing ? existing->credited : std::string{}) != expected)
    return {ec::conflict, "the review changed while it was being written; send it again"};
  if (!storage::reviews::put(sql, r))
    return {ec::not_found, "no agent with id " + r.agent_id};
  return {};
}

/// Adds `contact_id` to `agent_id`'s list; the limit is checked here, in
/// the single writer, so concurrent adds can't all slip under it.
problem add_contact(storage::session& sql, const std::string& agent_id,
                    const std::string& contact_id, int64_t at) {
  using storage::contacts::add_result;
  switch (storage::contacts::add(sql, agent_id, contact_id, at)) {
    case add_result::added:
    case add_result::present:
      return {};
    case add_result::no_agent:
      if (!storage::agents::find(sql, agent_id))
        return {ec::not_found, "no agent with id " + agent_id};
      return {ec::not_found, "contact_id: no agent with id " + contact_id};
    case add_result::full:
      break;
  }
  return {ec::conflict, "agent " + agent_id + " already has " +
                            std::to_string(contacts::max_contacts_per_agent) +
                            " contacts, the most it may have; remove some first"};
}

/// One pending request per pair, and a bounded number per sender and per
/// recipient (fresh agents can't fill one inbox without end).
problem insert_contact_request(storage::session& sql, const contact_request& r) {
  namespace store = storage::contacts;
  if (!storage::agents::find(sql, r.from_id))
    return {ec::not_found, "no agent with id " + r.from_id};
  if (!storage::agents::find(sql, r.to_id))
    return {ec::not_found, "to_id: no agent with id " + r.to_id};
  if (auto pending = store::pending_between(sql, r.from_id, r.to_id))
    return {ec::conflict, "to_id: request " + *pending + " to this agent is still pending"};
  if (store::pending_sent(sql, r.from_id) >=
      static_cast<int64_t>(contacts::max_pending_requests_per_agent))
    return {ec::conflict, "at most " + std::to_string(contacts::max_pending_requests_per_agent) +
                              " pending requests per agent; wait until some are answered"};
  if (store::pending_received(sql, r.to_id) >=
      static_cast<int64_t>(contacts::max_pending_incoming_per_agent))
    return {ec::conflict, "to_id: the agent has " +
                              std::to_string(contacts::max_pending_incoming_per_agent) +
                              " pending requests to answer; try again later"};
  store::insert_request(sql, r);
  return {};
}

/// The recipient answers once; accepting makes the two mutual contacts in
/// the same transaction (rolled back whole if either list is full).
problem answer_contact_request(storage::session& sql, const write_op& op) {
  namespace store = storage::contacts;
  const auto& status = op.creq.status;
  if (status != "accepted" && status != "rejected")
    return {ec::invalid_request, "status: expected accepted or rejected"};
  auto found = store::find_request(sql, op.key);
  if (!found || found->to_id != op.agent.id)
    return {ec::not_found, "no contact request with id " + op.key};
  if (found->status != "pending")
    return {ec::conflict, "the request was already " + found->status};
  store::update_request(sql, op.key, status, op.at);
  if (status != "accepted")
    return {};
  if (auto p = add_contact(sql, found->to_id, found->from_id, op.at); p.code != ec::none)
    return p;
  return add_contact(sql, found->from_id, found->to_id, op.at);
}

/// Applies one op inside the caller's transaction; a problem means "not
/// applied": the op checks before it writes, and the caller rolls back
/// anything written before a later check failed.
problem apply(storage::session& sql, const write_op& op) {
  namespace repo = storage::agents;
  namespace users = storage::users;
  namespace creds = storage::credentials;
  const auto& a = op.agent;
  const auto& u = op.user;
  switch (op.kind) {
    case write_op::insert_agent:
      if (!repo::insert(sql, a))
        return {ec::agent_exists, "an agent with id " + a.id + " is already registered"};
      return {};
    case write_op::replace_card:
      if (!repo::replace_card(sql, a))
        return {ec::not_found, "no agent with id " + a.id};
      return {};
    case write_op::delete_agent:
      if (!repo::remove(sql, a.id))
        return {ec::not_found, "no agent with id " + a.id};
      return {};
    case write_op::set_status:
      if (!repo::set_status(sql, a.id, a.status, a.last_seen))
        return {ec::not_found, "no agent with id " + a.id};
      return {};
    case write_op::touch:
      repo::touch(sql, a.id, a.last_seen);
      return {};
    case write_op::insert_user:
      if (!users::insert(sql, u))
        return {ec::conflict, "a user with this email already exists"};
      return {};
    case write_op::update_user:
      if (!users::update(sql, u))
        return {ec::not_found, "no user with id " + u.id};
      return {};
    case write_op::delete_user:
      if (!users::remove(sql, u.id))
        return {ec::not_found, "no user with id " + u.id};
      creds::remove_for_user(sql, u.id);
      repo::disown_all(sql, u.id);
      storage::reviews::remove_for_user(sql, u.id);
      return {};
    case write_op::insert_credential:
      if (!creds::insert(sql, op.cred))
        return {ec::conflict, "a credential with this secret or key id already exists"};
      return {};
    case write_op::rotate_refresh:
      if (!creds::mark_refresh_used(sql, op.key, op.at))
        return {ec::conflict, "the refresh token was already used or revoked"};
      if (!creds::insert(sql, op.cred))
        return {ec::conflict, "a credential with this secret already exists"};
      return {};
    case write_op::revoke_family:
      creds::revoke_family(sql, op.key, op.at);
      return {};
    case write_op::revoke_user_refresh:
      creds::revoke_user_refresh(sql, u.id, op.at);
      return {};
    case write_op::revoke_api_key:
      if (!creds::revoke_api_key(sql, op.key, u.id, op.at))
        return {ec::not_found, "no API key with id " + op.key};
      return {};
    case write_op::touch_credential:
      creds::touch(sql, op.key, op.at);
      return {};
    case write_op::use_claim:
      return use_claim(sql, op);
    case write_op::append_audit:
      storage::audit::append(sql, op.audit);
      return {};
    case write_op::record_reputation:
      if (!storage::scores::record(sql, op.reputation))
        return {ec::not_found, "no agent with id " + op.reputation.agent_id};
      return {};
    case write_op::set_verified: {
      bool url_matched = false;
      if (!repo::set_verified(sql, a.id, a.verified, a.verified_at, op.key, url_matched))
        return {ec::not_found, "no agent with id " + a.id};
      if (!url_matched)
        return {ec::conflict, "the agent's card url changed while it was being verified"};
      return {};
    }
    case write_op::insert_category:
      if (!storage::categories::insert(sql, op.cat))
        return {ec::conflict, "a category with id " + op.cat.id + " already exists"};
      return {};
    case write_op::update_category:
      if (!storage::categories::update(sql, op.cat))
        return {ec::not_found, "no category with id " + op.cat.id};
      return {};
    case write_op::delete_category:
      if (!storage::categories::remove(sql, op.cat.id))
        return {ec::not_found, "no category with id " + op.cat.id};
      return {};
    case write_op::set_categories:
      if (!storage::categories::assign(sql, a.id, op.names))
        return {ec::not_found, "no agent with id " + a.id + ", or one of the categories is unknown"};
      return {};
    case write_op::put_review:
      return put_review(sql, op.rev, op.key);
    case write_op::delete_review:
      if (!storage::reviews::remove(sql, op.key, u.id, op.at))
        return {ec::not_found, "no review with id " + op.key};
      return {};
    case write_op::insert_report:
      return insert_report(sql, op.rep);
    case write_op::update_report:
      if (!storage::reports::update(sql, op.rep))
        return {ec::not_found, "no report with id " + op.rep.id};
      return {};
    case write_op::delete_report:
      if (!storage::reports::remove(sql, op.key))
        return {ec::not_found, "no report with id " + op.key};
      return {};
    case write_op::add_contact:
      return add_contact(sql, a.id, op.key, op.at);
    case write_op::remove_contact:
      if (!storage::contacts::remove(sql, a.id, op.key))
        return {ec::not_found, "contact_id: " + op.key + " is not on the contact list of " + a.id};
      return {};
    case write_op::insert_contact_request:
      return insert_contact_request(sql, op.creq);
    case write_op::answer_contact_request:
      return answer_contact_request(sql, op);
  }
  return {ec::invalid_request, "unknown write"};
}

/// Applies a group of ops; the first problem aborts the group (the caller
/// rolls back to before it).
problem apply_all(storage::session& sql, const std::vector<write_op>& ops) {
  for (const auto& op : ops)
    if (auto p = apply(sql, op); p.code != ec::none)
      return p;
  return {};
}

/// Replaces a broken session; on failure leaves none, so the next commit
/// tries again first.
void reconnect(persistence_state& st) {
  st.sql.reset();
  try {
    st.sql = storage::open_session(st.db, storage::session_role::writer);
    st.healthy = true;
  } catch (const std::exception&) {
    st.healthy = false;
  }
}

/// Commits every pending write. In the common case all of them share one
/// transaction (one fsync). A group that fails (e.g. agent_exists) must not
/// undo the others: on any failure the whole batch is rolled back and its
/// groups are replayed one transaction each, which isolates the bad one.
void commit_pending(persistence_state& st) {
  auto batch = std::move(st.pending);
  st.pending.clear();
  st.commit_scheduled = false;
  if (batch.empty())
    return;
  st.largest_batch = std::max(st.largest_batch, batch.size());
  auto deliver_error = [](pending_write& w, ec code, const std::string& msg) {
    w.promise.deliver(make_error(code, msg));
  };
  if (!st.sql)
    reconnect(st);
  if (!st.sql) {
    for (auto& w : batch)
      deliver_error(w, ec::unavailable, "the database is not reachable");
    return;
  }
  bool all_ok = false;
  try {
    storage::write_transaction tr(*st.sql, storage::dialect_of(st.db));
    all_ok = true;
    for (auto& w : batch)
      if (apply_all(*st.sql, w.ops).code != ec::none) {
        all_ok = false;
        break;
      }
    if (all_ok) {
      tr.commit();
    } else {
      tr.rollback();
    }
  } catch (const std::exception&) {
    all_ok = false;
    // The session may be broken (e.g. the server restarted): start over.
    reconnect(st);
  }
  if (all_ok) {
    st.batches += 1;
    st.writes += batch.size();
    for (auto& w : batch)
      w.promise.deliver(caf::ok_atom::value);
    return;
  }
  for (auto& w : batch) {
    if (!st.sql) {
      deliver_error(w, ec::unavailable, "the database is not reachable");
      continue;
    }
    try {
      storage::write_transaction tr(*st.sql, storage::dialect_of(st.db));
      auto p = apply_all(*st.sql, w.ops);
      if (p.code != ec::none) {
        tr.rollback();
        deliver_error(w, p.code, p.message);
        continue;
      }
      tr.commit();
      st.batches += 1;
      st.writes += 1;
      w.promise.deliver(caf::ok_atom::value);
    } catch (const std::exception&) {
      reconnect(st);
      deliver_error(w, ec::unavailable, "the database rejected or lost the write; retry later");
    }
  }
}

}  // namespace

persistence_actor::behavior_type persistence(persistence_actor::stateful_pointer<persistence_state> self,
                                             std::unique_ptr<storage::session> sql,
                                             config::database_settings db) {
  self->state.sql = std::move(sql);
  self->state.db = std::move(db);
  // Enqueue and make sure a commit message follows: everything that reaches
  // the mailbox before that message joins the same transaction.
  auto enqueue = [self](std::vector<write_op> ops) {
    auto& st = self->state;
    auto rp = self->make_response_promise<caf::ok_atom>();
    st.pending.push_back({std::move(ops), rp});
    if (st.pending.size() >= max_batch) {
      commit_pending(st);
    } else if (!st.commit_scheduled) {
      st.commit_scheduled = true;
      self->send(self, atom::commit::value);
    }
    return rp;
  };
  return {
      [=](atom::write, write_op op) -> caf::result<caf::ok_atom> {
        return enqueue({std::move(op)});
      },
      [=](atom::write, std::vector<write_op> ops) -> caf::result<caf::ok_atom> {
        return enqueue(std::move(ops));
      },
      [=](atom::commit) { commit_pending(self->state); },
      [=](atom::flush) -> caf::ok_atom {
        commit_pending(self->state);
        return caf::ok_atom::value;
      },
      [=](atom::status) -> std::string {
        auto& st = self->state;
        return nlohmann::json{{"state", st.healthy ? "ok" : "down"},
                              {"batches", st.batches},
                              {"writes", st.writes},
                              {"largest_batch", st.largest_batch},
                              {"pending", st.pending.size()}}
            .dump();
      },
  };
}

}  // namespace tessera
