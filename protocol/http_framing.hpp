#pragma once
// The strict framing rules of the HTTP front, on what Beast parsed (it already
// refuses differing Content-Lengths, bad ones, CL with TE, header lines
// without a colon and NUL or CR/LF in values). These close the remaining gaps
// through which a request could be read one way here and another way by a
// proxy in front (request smuggling).
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>
#include <string_view>

namespace tessera::http_framing {

/// A problem with a request's framing: the status to answer (400, 431, 417,
/// 501, 505) and what to say; status 0 when there is none.
struct verdict {
  int status = 0;
  std::string code;
  std::string message;
};

/// Whether raw header bytes (as consumed by the parser: the start line, some
/// or all of the fields) fold a line (obs-fold: a line that starts with a
/// space or a tab), which Beast would silently join.
bool folds_a_line(std::string_view raw);

/// The checks on a parsed header: HTTP/1.0 or 1.1; exactly one Host for 1.1
/// (at most one for 1.0); at most one Content-Length; Transfer-Encoding only
/// as exactly "chunked"; at most `max_headers` fields; Expect only as
/// 100-continue; an origin-form target.
verdict check(const boost::beast::http::request_header<>& h, int max_headers);

}  // namespace tessera::http_framing
