#include "storage/session.hpp"

#include <soci/sqlite3/soci-sqlite3.h>

namespace tessera::storage {

namespace {

// More distinct queries than this means queries are being built from data,
// which a cache can't hold: start over rather than grow.
constexpr size_t max_prepared = 512;

}  // namespace

soci::statement& session::prepared(std::string_view query) {
  if (auto it = statements_.find(query); it != statements_.end()) {
    it->second->bind_clean_up();
    return *it->second;
  }
  if (statements_.size() >= max_prepared)
    statements_.clear();
  auto st = std::make_unique<soci::statement>(*this);
  st->alloc();
  st->prepare(std::string(query));
  auto& kept = *st;
  statements_.emplace(std::string(query), std::move(st));
  return kept;
}

void session::finish(soci::statement& st) {
  st.bind_clean_up();
  if (sqlite_)
    if (auto* backend = static_cast<soci::sqlite3_statement_backend*>(st.get_backend()))
      sqlite_api::sqlite3_reset(backend->stmt_);
}

}  // namespace tessera::storage
