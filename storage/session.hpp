#pragma once
// A database session that keeps its statements prepared: the first run of a
// query prepares it (SQLite parses it; PostgreSQL PREPAREs it), later runs
// only bind and execute. Repositories take a storage::session and run their
// frequent queries through `run`; anything else they may send as plain SOCI.
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <soci/soci.h>

namespace tessera::storage {

class session : public soci::session {
public:
  using soci::session::session;
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  /// The kept statement for `query`, its previous bindings released.
  soci::statement& prepared(std::string_view query);
  /// Ends a run of a kept statement: releases its bindings and, on SQLite,
  /// resets it -- a statement left on a row holds its read transaction open,
  /// and the session would go on reading that snapshot.
  void finish(soci::statement& st);
  /// How many statements are kept (a fixed set of queries; bounded anyway).
  size_t prepared_count() const { return statements_.size(); }

private:
  struct text_hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  bool sqlite_ = get_backend_name() == "sqlite3";
  // Declared after the base, so destroyed before the connection it uses.
  std::unordered_map<std::string, std::unique_ptr<soci::statement>, text_hash, std::equal_to<>>
      statements_;
};

/// A kept statement in use: executed with the given soci::use/soci::into
/// bindings; fetch() for further rows. Its bindings are released when this
/// goes, so the bound variables need only live as long as it does.
class run {
public:
  template <class... Bindings>
  run(session& sql, std::string_view query, Bindings&&... bindings)
      : sql_(sql), st_(sql.prepared(query)) {
    (st_.exchange(std::forward<Bindings>(bindings)), ...);
    st_.define_and_bind();
    got_data_ = st_.execute(true);
  }
  ~run() { sql_.finish(st_); }
  run(const run&) = delete;
  run& operator=(const run&) = delete;

  /// Whether the first execution fetched a row (into bindings were filled).
  bool got_data() const { return got_data_; }
  /// The next row into the same bindings; false when there is none.
  bool fetch() { return st_.fetch(); }
  long long affected_rows() { return st_.get_affected_rows(); }

private:
  session& sql_;
  soci::statement& st_;
  bool got_data_ = false;
};

}  // namespace tessera::storage
