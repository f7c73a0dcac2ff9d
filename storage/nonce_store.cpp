#include "storage/nonce_store.hpp"

#include <algorithm>
#include <chrono>

#include "storage/database.hpp"
#include "storage/redis_client.hpp"

namespace tessera::storage {

namespace {

using namespace std::chrono_literals;

class database_store : public nonce_store {
public:
  explicit database_store(config::database_settings db) : db_(std::move(db)) {}

  std::optional<std::vector<bool>> claim(const std::vector<nonce_claim>& claims, int64_t now,
                                         std::string& why) override {
    try {
      if (!sql_)
        open();
      // In the order of the hashes: two nodes' batches then lock shared rows
      // in the same order, so they can't deadlock (a cross-node replay is
      // exactly such a pair).
      std::vector<size_t> order(claims.size());
      for (size_t i = 0; i < order.size(); ++i)
        order[i] = i;
      std::sort(order.begin(), order.end(),
                [&](size_t a, size_t b) { return claims[a].pair < claims[b].pair; });
      std::vector<bool> fresh(claims.size());
      write_transaction tr(*sql_, dialect_of(db_));
      if (dialect_of(db_) == dialect::postgres)
        *sql_ << "SET LOCAL synchronous_commit = off";  // see storage/nonce_store.hpp
      for (auto i : order) {
        const auto& c = claims[i];
        // Inserted, or an expired row taken over: one row changed. A pair
        // still in the window: none.
        run r(*sql_,
              "INSERT INTO replay_nonces (pair_hash, expires_at) VALUES (:pair, :expires)"
              " ON CONFLICT (pair_hash) DO UPDATE SET expires_at = excluded.expires_at"
              " WHERE replay_nonces.expires_at < :now",
              soci::use(c.pair), soci::use(c.expires_at), soci::use(now));
        fresh[i] = r.affected_rows() == 1;
      }
      tr.commit();
      return fresh;
    } catch (const std::exception& e) {
      sql_.reset();  // maybe broken (the server restarted): open anew next time
      why = e.what();
      return std::nullopt;
    }
  }

  void drop_expired(int64_t now) override {
    try {
      if (!sql_)
        open();
      write_transaction tr(*sql_, dialect_of(db_));
      *sql_ << "DELETE FROM replay_nonces WHERE expires_at < :now", soci::use(now);
      tr.commit();
    } catch (const std::exception&) {
      sql_.reset();
    }
  }

private:
  void open() {
    sql_ = open_session(db_, session_role::writer);
    // SQLite in WAL mode: a commit is durable against a crash of the process
    // without an fsync of its own (as PostgreSQL's synchronous_commit off).
    if (dialect_of(db_) == dialect::sqlite)
      *sql_ << "PRAGMA synchronous=NORMAL";
  }

  config::database_settings db_;
  std::unique_ptr<session> sql_;
};

// KEYS the nonce keys; ARGV their lifetimes in ms. 1 for each key set now,
// 0 for one that was there.
const std::string claim_script = R"lua(
local fresh = {}
for i, k in ipairs(KEYS) do
  if redis.call('SET', k, '1', 'NX', 'PX', ARGV[i]) then fresh[i] = 1 else fresh[i] = 0 end
end
return fresh
)lua";

// Small, so a signed request never waits long on a Redis that is gone.
constexpr auto redis_connect_timeout = 200ms;

class redis_store : public nonce_store {
public:
  explicit redis_store(const config::redis_settings& s) : redis_(s) {}

  std::optional<std::vector<bool>> claim(const std::vector<nonce_claim>& claims, int64_t now,
                                         std::string& why) override {
    if (!redis_.connected() && !redis_.connect(redis_connect_timeout, why))
      return std::nullopt;
    std::vector<std::string> argv{"EVAL", claim_script, std::to_string(claims.size())};
    for (const auto& c : claims)
      argv.push_back("tessera:nonce:" + c.pair);
    for (const auto& c : claims) {
      // Kept through the signature's last second.
      auto ms = std::max<int64_t>(c.expires_at - now + 1, 1) * 1000;
      argv.push_back(std::to_string(ms));
    }
    auto reply = redis_.command(argv);
    if (!reply) {
      why = "the connection to Redis broke";
      return std::nullopt;
    }
    if (reply->kind != redis_reply::array || reply->items.size() != claims.size()) {
      why = reply->kind == redis_reply::error ? reply->text : "unexpected reply from Redis";
      return std::nullopt;
    }
    std::vector<bool> fresh;
    fresh.reserve(claims.size());
    for (const auto& item : reply->items)
      fresh.push_back(item.kind == redis_reply::integer && item.number == 1);
    return fresh;
  }

  void drop_expired(int64_t) override {}

private:
  redis_client redis_;
};

}  // namespace

std::unique_ptr<nonce_store> database_nonce_store(const config::database_settings& db) {
  return std::make_unique<database_store>(db);
}

std::unique_ptr<nonce_store> redis_nonce_store(const config::redis_settings& redis) {
  return std::make_unique<redis_store>(redis);
}

}  // namespace tessera::storage
