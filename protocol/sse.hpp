#pragma once
// Reading Server-Sent Events (the WHATWG event-stream format) from bytes as
// they arrive: lines end in LF, CRLF or CR; `data` lines are joined with LF;
// comments (": ...") are skipped; an event ends at an empty line. A client's
// side of the stream: the CLI's watch and the bridge's streaming clients.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::sse {

struct event {
  std::string id;      // the last `id:` seen so far in the stream (it carries over)
  std::string type = "message";
  std::string data;
};

class parser {
public:
  /// `max_pending`: the most bytes an unfinished event may hold; more throws
  /// std::length_error (a server that never ends its event).
  explicit parser(size_t max_pending = 16u << 20) : max_pending_(max_pending) {}

  /// The events completed by `bytes`, in order.
  std::vector<event> feed(std::string_view bytes);

  /// The last `retry:` in milliseconds, if the server sent one.
  std::optional<long> retry_ms() const { return retry_; }
  const std::string& last_id() const { return last_id_; }

private:
  void line(std::string_view l, std::vector<event>& out);

  size_t max_pending_;
  std::string partial_;  // an unfinished line
  bool after_cr_ = false;
  std::string type_, data_, last_id_;
  bool has_data_ = false;
  size_t pending_ = 0;
  std::optional<long> retry_;
};

}  // namespace tessera::sse
