#pragma once
// SQL for reputation scores and their event log, and nothing else. Callers
// own transactions.
#include <optional>
#include <string>
#include <vector>

#include <soci/soci.h>

#include "storage/session.hpp"

#include "protocol/reputation_record.hpp"

namespace tessera::storage::scores {

/// The agent's stored state; nullopt before its first credited event.
std::optional<reputation::score_state> find(session& sql, const std::string& agent_id);
/// Appends the event to the log and stores the state after it, and its rank
/// key beside the agent. False (and
/// nothing written) when the agent doesn't exist.
bool record(session& sql, const reputation_change& c);
/// The log, newest first, with seq below `before_seq` (0: from the newest).
std::vector<reputation_entry> list(session& sql, const std::string& agent_id,
                                   int64_t before_seq, int limit);
/// Recomputes every stored rank key (reputation::rank_of) when the prior or
/// half-life they were made with differs from `params` (remembered in the
/// database), in one transaction; does nothing otherwise. Called at start-up.
void ensure_rank(session& sql, const reputation::reputation_params& params);

}  // namespace tessera::storage::scores
