#pragma once
// The public directory as it travels between actors: queries, pages and the
// profile. Each type has its `inspect` here; actors/messages.cpp registers
// them all.
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/agent.hpp"
#include "protocol/community.hpp"
#include "protocol/reputation_record.hpp"

namespace tessera {

/// GET /api/v1/directory. Empty strings and negative numbers mean "no filter".
/// Sorting by reputation orders by the score *now* through the time-free rank
/// key (reputation::rank_of), so a page order never depends on when the query
/// runs; min_score is turned into a bound on that key by the caller
/// (reputation::min_score_bound), since only it knows the clock and params.
struct directory_query {
  std::string skill;
  std::string protocol;
  std::string status;
  std::string category;
  std::string tag;
  std::string text;       // q: full-text words (all must match)
  int32_t verified = -1;  // -1 any, 0 unverified only, 1 verified only
  bool has_min_rank = false;
  int32_t min_rank_class = 0;
  double min_rank_mag = 0;
  std::string sort = "reputation";  // reputation (best first) | name | registered_at (newest first)
  // The decoded page token: the sort key of the last row served, and its id.
  // reputation: (after_class, after_mag, after_id); name: (after_text, after_id);
  // registered_at: (after_int, after_id). Ties always break by id ascending.
  bool has_after = false;
  int32_t after_class = 0;
  double after_mag = 0;
  std::string after_text;
  int64_t after_int = 0;
  std::string after_id;
  int32_t limit = 20;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, directory_query& x) {
  return f(caf::meta::type_name("directory_query"), x.skill, x.protocol, x.status, x.category,
           x.tag, x.text, x.verified, x.has_min_rank, x.min_rank_class, x.min_rank_mag, x.sort,
           x.has_after, x.after_class, x.after_mag, x.after_text, x.after_int, x.after_id,
           x.limit);
}

/// One agent as the directory shows it.
struct directory_entry {
  agent_record agent;
  bool scored = false;  // false: no credited event yet (state is a default)
  reputation::score_state state;
  int32_t rank_class = 0;  // the stored rank key (the page token is made from it)
  double rank_mag = 0;
  std::vector<std::string> categories;  // category ids, sorted
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, directory_entry& x) {
  return f(caf::meta::type_name("directory_entry"), x.agent, x.scored, x.state, x.rank_class,
           x.rank_mag, x.categories);
}

struct directory_page {
  std::vector<directory_entry> entries;
  bool more = false;  // another page follows the last entry
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, directory_page& x) {
  return f(caf::meta::type_name("directory_page"), x.entries, x.more);
}

/// GET /api/v1/directory/{id}: everything the public profile shows.
struct agent_profile {
  directory_entry entry;
  review_summary reviews;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_profile& x) {
  return f(caf::meta::type_name("agent_profile"), x.entry, x.reviews);
}

}  // namespace tessera
