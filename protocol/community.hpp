#pragma once
// The community around the directory, as it travels between actors:
// categories, reviews, reports and endpoint verification results. Each type has its `inspect` here;
// actors/messages.cpp registers them all. Times are ms since the epoch.
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>


namespace tessera {

/// A directory category; `id` is a slug ("data-analysis") chosen by the admin.
struct category {
  std::string id;
  std::string name;
  std::string description;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, category& x) {
  return f(caf::meta::type_name("category"), x.id, x.name, x.description, x.created_at,
           x.updated_at);
}

/// A user's review of an agent: one per (agent, user); writing again replaces it.
struct review {
  std::string id;  // "rev_" + random
  std::string agent_id;
  std::string user_id;
  std::string author;  // the user's display name when read; not stored
  int32_t rating = 0;  // 1-5
  std::string text;    // <= 2000 characters
  int64_t created_at = 0;
  int64_t updated_at = 0;
  // The reputation event this user's review of this agent credited last
  // ("" none yet), kept across edits and deletion, so neither re-posting nor
  // deleting and posting again can credit the same opinion twice.
  std::string credited;
  // Deleted by its author or an admin: kept as a tombstone that only
  // review_of answers (for `credited`); every listing skips it.
  bool deleted = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, review& x) {
  return f(caf::meta::type_name("review"), x.id, x.agent_id, x.user_id, x.author, x.rating,
           x.text, x.created_at, x.updated_at, x.credited, x.deleted);
}

/// An agent's reviews, newest first (created_at desc, id asc: an edit doesn't
/// move a review, so a walk through the pages never skips one); the page
/// token is the last (created_at, id) served.
struct review_query {
  std::string agent_id;
  bool has_after = false;
  int64_t after_at = 0;
  std::string after_id;
  int32_t limit = 20;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, review_query& x) {
  return f(caf::meta::type_name("review_query"), x.agent_id, x.has_after, x.after_at,
           x.after_id, x.limit);
}

struct review_page {
  std::vector<review> reviews;
  bool more = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, review_page& x) {
  return f(caf::meta::type_name("review_page"), x.reviews, x.more);
}

struct review_summary {
  int64_t count = 0;
  double average = 0;                    // 0 when count is 0
  std::vector<int64_t> distribution = std::vector<int64_t>(5, 0);  // [0] = 1 star ... [4] = 5
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, review_summary& x) {
  return f(caf::meta::type_name("review_summary"), x.count, x.average, x.distribution);
}

/// A user's report about an agent or a review, for the admins.
struct report {
  std::string id;           // "rep_" + random
  std::string reporter_id;  // the user
  std::string target_kind;  // agent | review
  std::string target_id;
  std::string reason;   // spam | abuse | impersonation | malicious | inaccurate | other
  std::string details;  // <= 2000 characters
  std::string status = "open";  // open | reviewed | dismissed | actioned
  std::string note;             // the admin's note when resolving
  std::string resolved_by;      // the admin's user id, "" while open
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, report& x) {
  return f(caf::meta::type_name("report"), x.id, x.reporter_id, x.target_kind, x.target_id,
           x.reason, x.details, x.status, x.note, x.resolved_by, x.created_at, x.updated_at);
}

/// Admin listing, newest first (created_at desc, id asc); optional status.
struct report_query {
  std::string status;
  bool has_after = false;
  int64_t after_at = 0;
  std::string after_id;
  int32_t limit = 50;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, report_query& x) {
  return f(caf::meta::type_name("report_query"), x.status, x.has_after, x.after_at, x.after_id,
           x.limit);
}

struct report_page {
  std::vector<report> reports;
  bool more = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, report_page& x) {
  return f(caf::meta::type_name("report_page"), x.reports, x.more);
}

/// The verifier's answer to one verification: passed, or failed with the
/// reason (a sentence naming what was wrong, for the caller and the audit log).
struct verify_result {
  std::string agent_id;
  bool passed = false;
  std::string reason;  // "" when passed
  std::string url;     // what was requested (without the challenge)
  int64_t verified_at = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, verify_result& x) {
  return f(caf::meta::type_name("verify_result"), x.agent_id, x.passed, x.reason, x.url,
           x.verified_at);
}

}  // namespace tessera
