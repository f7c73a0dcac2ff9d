#pragma once
// The registry's domain types, as they travel between actors. Each type has
// its `inspect` here; actors/messages.cpp registers them all.
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/account.hpp"
#include "protocol/community.hpp"
#include "protocol/contacts.hpp"
#include "protocol/reputation_record.hpp"

namespace tessera {

/// An agent as stored: the signed card exactly as sent, plus what is indexed
/// from it and its live status. Times are milliseconds since the epoch.
struct agent_record {
  std::string id;
  std::string card;  // JSON text of the signed card, served unchanged
  std::string name;
  std::vector<std::string> protocols;
  std::vector<std::string> skills;
  std::vector<std::string> tags;
  std::string status = "offline";  // online | offline
  int64_t registered_at = 0;
  int64_t updated_at = 0;
  int64_t last_seen = 0;
  std::string owner_id;  // the user it was bound to (claim or provider API), or ""
  std::string url;       // the card's url (where its endpoint is verified)
  // The endpoint at `url` proved it holds the agent's key (or an admin said
  // so). A card whose url changes is no longer verified.
  bool verified = false;
  int64_t verified_at = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_record& x) {
  return f(caf::meta::type_name("agent_record"), x.id, x.card, x.name, x.protocols, x.skills,
           x.tags, x.status, x.registered_at, x.updated_at, x.last_seen, x.owner_id, x.url,
           x.verified, x.verified_at);
}

/// Filters and keyset pagination for listing agents (ordered by id).
struct agent_query {
  std::string protocol;
  std::string skill;
  std::string tag;
  std::string status;
  std::string owner_id;  // only agents bound to this user
  std::string search;    // substring of the name or id (admin listing)
  std::string after_id;  // decoded page token: list ids strictly greater
  int32_t limit = 50;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_query& x) {
  return f(caf::meta::type_name("agent_query"), x.protocol, x.skill, x.tag, x.status, x.owner_id,
           x.search, x.after_id, x.limit);
}

struct agent_page {
  std::vector<agent_record> agents;
  std::string next_after_id;  // empty when this is the last page
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_page& x) {
  return f(caf::meta::type_name("agent_page"), x.agents, x.next_after_id);
}

/// Published by the registry to its subscribers (the reputation engine, the
/// watch). Lifecycle events carry the agent as it is now (for
/// agent_deregistered: as it was); heartbeats don't (agent.id is empty).
struct agent_event {
  std::string kind;  // agent_registered | _updated | _deregistered | _online | _offline | _heartbeat
  std::string agent_id;
  int64_t at = 0;
  agent_record agent;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_event& x) {
  return f(caf::meta::type_name("agent_event"), x.kind, x.agent_id, x.at, x.agent);
}

/// The answer to a heartbeat.
struct heartbeat_ack {
  std::string status;
  int64_t next_deadline = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, heartbeat_ack& x) {
  return f(caf::meta::type_name("heartbeat_ack"), x.status, x.next_deadline);
}

/// One write for the persistence actor. Writes are a closed set of operations
/// so the writer can batch them into one transaction. Each kind reads only the
/// fields named beside it; a conditional write that finds its condition false
/// fails with the error named, and changes nothing.
struct write_op {
  enum kind_t : int32_t {
    insert_agent,       // agent (full record, owner_id may be set); agent_exists
    replace_card,       // agent (full record; owner_id ignored); not_found
    delete_agent,       // agent.id; not_found
    set_status,         // agent.id, .status, .last_seen; not_found
    touch,              // agent.id, .last_seen
    insert_user,        // user (full record); conflict if the email is taken
    update_user,        // user.id, .updated_at, and what is not empty of .display_name,
                        // .password_hash, .role; not_found
    delete_user,        // user.id: its credentials go, its agents become unowned; not_found
    insert_credential,  // cred (full record)
    rotate_refresh,     // key = old hash, cred = the new token, at: marks the old one used
                        // only if it was unused and not revoked, else conflict
    revoke_family,      // key = family, at: revokes every token of the family
    revoke_user_refresh,// user.id, at: revokes every refresh token of the user (logout all)
    revoke_api_key,     // key = key id, user.id = its owner, at; not_found if not theirs
    touch_credential,   // key = hash, at: records a use (API keys)
    use_claim,          // key = claim hash, agent.id, at: marks the token used if it is unused
                        // and unexpired (else conflict) and binds the agent to its user
                        // (not_found if no such agent)
    append_audit,       // audit (at, action, actor, target, remote, detail, prev_hash, hash)
    record_reputation,  // reputation: appends the event and stores the state after it;
                        // not_found if no such agent
    set_verified,       // agent.id, .verified, .verified_at; key: the url that was checked,
                        // which must still be the card's (else conflict), "" for an admin's
                        // say-so; not_found
    insert_category,    // category (full record); conflict if the id is taken
    update_category,    // category.id, .name, .description, .updated_at; not_found
    delete_category,    // category.id: also unassigns it from every agent; not_found
    set_categories,     // agent.id, names = category ids (replaces the agent's set);
                        // not_found if the agent or any category doesn't exist
    put_review,         // review: inserts, or replaces rating, text, updated_at and credited
                        // of the (agent_id, user_id) review (reviving a deleted one),
                        // keeping its id and created_at; key: the `credited` it must still
                        // have ("" if none yet), else conflict; not_found if no such agent
    delete_review,      // key = review id, user.id = its author ("" for an admin), at: marks
                        // it deleted (a tombstone); not_found if none (or deleted already)
    insert_report,      // report (full record); conflict if its reporter has an open report
                        // on the target or community::max_open_reports_per_user open ones
    update_report,      // report.id, .status, .note, .resolved_by, .updated_at; not_found
    delete_report,      // key = report id; not_found
    add_contact,        // agent.id adds key (the contact's id), at; not_found if either agent
                        // doesn't exist; conflict at contacts::max_contacts_per_agent;
                        // adding one already there changes nothing
    remove_contact,     // agent.id removes key; not_found if it isn't on the list
    insert_contact_request,  // creq (full record); not_found if to_id doesn't exist; conflict
                        // if a pending request from_id -> to_id exists, or from_id has
                        // contacts::max_pending_requests_per_agent pending
    answer_contact_request,  // key = request id, agent.id = its recipient (to_id), creq.status
                        // = accepted | rejected, at; not_found (none to this agent); conflict
                        // if it isn't pending. Accepting adds each to the other's contacts.
  };
  int32_t kind = insert_agent;
  agent_record agent;
  user_record user;
  credential cred;
  audit_entry audit;
  reputation_change reputation;
  category cat;
  review rev;
  report rep;
  contact_request creq;
  std::vector<std::string> names;
  std::string key;
  int64_t at = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, write_op& x) {
  return f(caf::meta::type_name("write_op"), x.kind, x.agent, x.user, x.cred, x.audit,
           x.reputation, x.cat, x.rev, x.rep, x.creq, x.names, x.key, x.at);
}

}  // namespace tessera
