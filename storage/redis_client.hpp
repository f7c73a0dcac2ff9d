#pragma once
// A small blocking Redis client over hiredis: connect (with a timeout, AUTH
// and SELECT from redis.*), run a command, and read a subscription. Not
// thread-safe: one per thread. Used only from detached actors and threads.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "config/settings.hpp"

struct redisContext;

namespace tessera::storage {

/// A reply, flattened: nil, an integer, a string (status/bulk), an error, or an array.
struct redis_reply {
  enum kind_t { nil, integer, string, error, array } kind = nil;
  long long number = 0;
  std::string text;
  std::vector<redis_reply> items;
};

class redis_client {
public:
  explicit redis_client(config::redis_settings s);
  ~redis_client();
  redis_client(const redis_client&) = delete;
  redis_client& operator=(const redis_client&) = delete;

  /// Connects (again); false with `why` set when Redis can't be reached or refuses AUTH/SELECT.
  bool connect(std::chrono::milliseconds timeout, std::string& why);
  bool connected() const { return ctx_ != nullptr; }
  void disconnect();

  /// Runs a command given as separate arguments (binary-safe). nullopt: the
  /// connection broke (it is closed; connect again).
  std::optional<redis_reply> command(const std::vector<std::string>& argv);

  /// After a SUBSCRIBE command: waits up to `timeout` for the next pushed
  /// message. nullopt with `broken` false: nothing came; with `broken` true:
  /// the connection is gone.
  std::optional<redis_reply> next_message(std::chrono::milliseconds timeout, bool& broken);

private:
  config::redis_settings settings_;
  redisContext* ctx_ = nullptr;
};

}  // namespace tessera::storage
