#pragma once
// Every configuration key, as plain structs with their defaults. A key added
// here must also be added to config/load.cpp (parse, validate, print) and to
// the README's configuration reference.
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace tessera::config {

using millis = std::chrono::milliseconds;

struct server_settings {
  std::string http_addr = ":8080";        // "host:port", ":port" means all interfaces
  std::vector<std::string> cors_origins;  // exact origins, or "*"
  millis request_timeout{10'000};
  size_t max_body_bytes = 1024 * 1024;
  int http_threads = 8;
};

struct database_settings {
  std::string driver = "sqlite";      // sqlite | postgres
  std::string dsn = "./tessera.db";   // a file path for sqlite, a libpq conninfo or URL for postgres
  int readers = 4;
};

struct registry_settings {
  millis heartbeat_interval{30'000};
  millis offline_after{90'000};
};

struct auth_settings {
  millis signature_max_skew{300'000};
};

struct logging_settings {
  std::string level = "info";  // trace | debug | info | warn | error | off
  std::string format = "text";  // text | json
};

struct actors_settings {
  int threads = 0;  // 0: one per core
};

struct settings {
  server_settings server;
  database_settings database;
  registry_settings registry;
  auth_settings auth;
  logging_settings logging;
  actors_settings actors;
};

}  // namespace tessera::config
