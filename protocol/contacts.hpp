#pragma once
// Contacts and contact requests, as they travel between actors. An agent's
// contacts are the agents it accepts signaling from; two agents are mutual
// contacts when each lists the other, and only mutual contacts may exchange
// offers, answers, ICE candidates and relay frames (signaling.require_contacts).
// Each type has its `inspect` here; actors/messages.cpp registers them all.
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace tessera {

namespace contacts {
constexpr size_t max_contacts_per_agent = 1000;
constexpr size_t max_pending_requests_per_agent = 100;  // sent and not yet answered
constexpr size_t max_pending_incoming_per_agent = 1000;  // received and not yet answered
constexpr size_t max_request_message = 500;             // characters
}  // namespace contacts

/// One entry of an agent's contact list.
struct contact {
  std::string agent_id;    // whose list
  std::string contact_id;  // the agent on it
  int64_t created_at = 0;
  bool mutual = false;  // contact_id lists agent_id too (when read)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, contact& x) {
  return f(caf::meta::type_name("contact"), x.agent_id, x.contact_id, x.created_at, x.mutual);
}

/// A request from one agent to be in another's contacts; accepting it makes
/// the two mutual contacts (each is added to the other's list).
struct contact_request {
  std::string id;  // "creq_" + random
  std::string from_id;
  std::string to_id;
  std::string message;                // <= contacts::max_request_message characters
  std::string status = "pending";     // pending | accepted | rejected
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, contact_request& x) {
  return f(caf::meta::type_name("contact_request"), x.id, x.from_id, x.to_id, x.message,
           x.status, x.created_at, x.updated_at);
}

/// An agent's requests, newest first; `direction` incoming (to it) or sent
/// (from it); `status` "" for all. Keyset pages on (created_at desc, id asc).
struct contact_request_query {
  std::string agent_id;
  std::string direction = "incoming";
  std::string status;
  bool has_after = false;
  int64_t after_at = 0;
  std::string after_id;
  int32_t limit = 50;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, contact_request_query& x) {
  return f(caf::meta::type_name("contact_request_query"), x.agent_id, x.direction, x.status,
           x.has_after, x.after_at, x.after_id, x.limit);
}

struct contact_request_page {
  std::vector<contact_request> requests;
  bool has_more = false;  // the next page starts after the last request served
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, contact_request_page& x) {
  return f(caf::meta::type_name("contact_request_page"), x.requests, x.has_more);
}

}  // namespace tessera
