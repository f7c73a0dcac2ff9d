#pragma once
// The registry's domain types, as they travel between actors. Each type has
// its `inspect` here; actors/messages.cpp registers them all.
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

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
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_record& x) {
  return f(caf::meta::type_name("agent_record"), x.id, x.card, x.name, x.protocols, x.skills,
           x.tags, x.status, x.registered_at, x.updated_at, x.last_seen);
}

/// Filters and keyset pagination for listing agents (ordered by id).
struct agent_query {
  std::string protocol;
  std::string skill;
  std::string tag;
  std::string status;
  std::string after_id;  // decoded page token: list ids strictly greater
  int32_t limit = 50;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_query& x) {
  return f(caf::meta::type_name("agent_query"), x.protocol, x.skill, x.tag, x.status, x.after_id,
           x.limit);
}

struct agent_page {
  std::vector<agent_record> agents;
  std::string next_after_id;  // empty when this is the last page
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_page& x) {
  return f(caf::meta::type_name("agent_page"), x.agents, x.next_after_id);
}

/// Published by the registry to its subscribers (the reputation engine later).
struct agent_event {
  std::string kind;  // agent_registered | _updated | _deregistered | _online | _offline
  std::string agent_id;
  int64_t at = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_event& x) {
  return f(caf::meta::type_name("agent_event"), x.kind, x.agent_id, x.at);
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
/// so the writer can batch them into one transaction.
struct write_op {
  enum kind_t : int32_t { insert_agent, replace_card, delete_agent, set_status, touch } ;
  int32_t kind = insert_agent;
  agent_record agent;  // insert_agent, replace_card: the full record; others: id (+status/last_seen)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, write_op& x) {
  return f(caf::meta::type_name("write_op"), x.kind, x.agent);
}

}  // namespace tessera
