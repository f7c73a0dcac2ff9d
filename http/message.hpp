#pragma once
// A request as handlers see it and the response they fill: plain data, made
// by the connection (http/connection.cpp) from what Beast parsed, and written
// back by it. Header names compare case-insensitively; the query is split and
// percent-decoded once; the path is decoded for routing, while the target
// stays exactly as sent (signatures cover it).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera::http {

class event_stream;

using header_list = std::vector<std::pair<std::string, std::string>>;

struct request {
  std::string method;       // "GET"
  std::string target;       // as sent: path and query
  std::string path;         // percent-decoded path, for routing and messages
  std::string remote_addr;  // the socket's peer
  header_list headers;      // names as sent
  std::vector<std::pair<std::string, std::string>> params;  // the query, decoded, in order
  std::vector<std::string> path_params;                     // the route's {name} segments
  std::string body;

  /// The first header of that name, "" if none.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
  /// Every value of a header, in order (several X-Forwarded-For, say).
  std::vector<std::string> header_values(std::string_view name) const;

  /// The first value of a query parameter, "" if none.
  std::string param(std::string_view name) const;
  bool has_param(std::string_view name) const;
  size_t param_count(std::string_view name) const;

  /// The i-th {name} of the route's path ("" past the end).
  const std::string& path_param(size_t i = 0) const;
};

struct response {
  int status = 200;
  header_list headers;
  std::string body;
  /// Set by a handler that answers with a stream (text/event-stream): the
  /// connection writes the headers, then what the stream's feeder sends.
  std::shared_ptr<event_stream> stream;

  void set_header(std::string name, std::string value);
  bool has_header(std::string_view name) const;
  std::string header(std::string_view name) const;
  void set_content(std::string text, std::string content_type);
};

/// ASCII case-insensitive equality (header names).
bool iequals(std::string_view a, std::string_view b);

/// Splits a query string ("a=1&b=two") into decoded pairs; false when a part
/// is not validly encoded.
bool parse_query(std::string_view query, std::vector<std::pair<std::string, std::string>>& out);

}  // namespace tessera::http
