#pragma once
// The HTTP side of the CLI: plain GETs and RFC 9421-signed writes, JSON in and
// out, and the mapping of every failure to a cli_error (exit 1 for an error
// answer, exit 3 for no answer).
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "key_file.hpp"
#include "server_url.hpp"

namespace tessera::cli {

struct http_response {
  int status = 0;
  std::string body;
};

class signed_client {
 public:
  explicit signed_client(const server_url& server);

  /// "scheme://host:port"
  const std::string& origin() const { return origin_; }

  /// `path` is already percent-encoded; `query` is the raw query without '?'.
  http_response get(const std::string& path, const std::string& query = "");

  /// An unsigned request: `body` (if not empty) as JSON, `bearer` (if not
  /// empty) as "Authorization: Bearer <bearer>".
  http_response send_plain(const std::string& method, const std::string& path,
                           const std::string& body, const std::string& bearer = "");

  /// Sends a request signed by `key` (keyid = its agent id, created = now, a
  /// fresh 16-byte nonce); Content-Digest and Content-Type only with a body.
  /// `query` is the raw query without '?' (signed as @query).
  http_response send_signed(const std::string& method, const std::string& path,
                            const std::string& body, const agent_key& key,
                            const std::string& query = "");

  /// A GET whose answer streams (Server-Sent Events): `on_data` gets each
  /// piece of a 2xx body as it arrives and returns false to stop. The status
  /// comes back with the whole body of an answer that is not 2xx; a stream
  /// that ends (the server closed it) returns normally. `stall_seconds`: how
  /// long the stream may stay silent (the server pings) before it is dropped.
  http_response stream(const std::string& path, const httplib::Headers& headers,
                       const std::function<bool(std::string_view)>& on_data,
                       time_t stall_seconds);

 private:
  http_response send(httplib::Request& request);

  std::string origin_;
  std::string host_;
  httplib::Client client_;
};

/// The JSON of a 2xx answer (null for an empty body). Otherwise throws
/// cli_error: the server's {"error":{code,message}} when it sent one, else
/// code "http_<status>".
nlohmann::json expect_success(const http_response& response);

/// Percent-encodes everything but RFC 3986 unreserved characters.
std::string percent_encode(const std::string& text);

/// "a=1&b=x%20y" from pairs, skipping empty values.
std::string build_query(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace tessera::cli
