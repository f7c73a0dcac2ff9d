#include "protocol/http_framing.hpp"

#include <boost/beast/core/string.hpp>

namespace tessera::http_framing {

namespace bhttp = boost::beast::http;

bool folds_a_line(std::string_view raw) {
  if (!raw.empty() && (raw.front() == ' ' || raw.front() == '\t'))
    return true;
  for (size_t at = raw.find('\n'); at != std::string_view::npos; at = raw.find('\n', at + 1))
    if (at + 1 < raw.size() && (raw[at + 1] == ' ' || raw[at + 1] == '\t'))
      return true;
  return false;
}

verdict check(const bhttp::request_header<>& h, int max_headers) {
  if (h.version() != 10 && h.version() != 11)
    return {505, "http_version_not_supported", "only HTTP/1.0 and HTTP/1.1 are served here"};
  int fields = 0, hosts = 0, lengths = 0, encodings = 0;
  for (const auto& f : h) {
    ++fields;
    switch (f.name()) {
      case bhttp::field::host: ++hosts; break;
      case bhttp::field::content_length: ++lengths; break;
      case bhttp::field::transfer_encoding: ++encodings; break;
      default: break;
    }
  }
  if (fields > max_headers)
    return {431, "header_too_large",
            "more than " + std::to_string(max_headers) + " header fields (server.max_headers)"};
  if (hosts > 1 || (h.version() == 11 && hosts == 0))
    return {400, "invalid_request", "Host: an HTTP/1.1 request needs exactly one Host header"};
  if (lengths > 1)
    return {400, "invalid_request", "Content-Length: given more than once"};
  if (encodings > 0) {
    auto te = h[bhttp::field::transfer_encoding];
    if (encodings > 1 || !boost::beast::iequals(te, "chunked"))
      return {501, "not_implemented",
              "Transfer-Encoding: only \"chunked\" is accepted, once"};
    if (lengths > 0)
      return {400, "invalid_request", "Content-Length and Transfer-Encoding: only one of them"};
  }
  auto expect = h[bhttp::field::expect];
  if (!expect.empty() && !boost::beast::iequals(expect, "100-continue"))
    return {417, "expectation_failed", "Expect: only 100-continue is understood"};
  auto target = h.target();
  if (target.empty() || target.front() != '/')
    return {400, "invalid_request", "the request target must be a path (origin form, /...)"};
  return {};
}

}  // namespace tessera::http_framing
