#include "protocol/sse.hpp"

#include <charconv>
#include <stdexcept>

namespace tessera::sse {

std::vector<event> parser::feed(std::string_view bytes) {
  std::vector<event> out;
  for (char c : bytes) {
    if (after_cr_ && c == '\n') {  // the LF of a CRLF
      after_cr_ = false;
      continue;
    }
    after_cr_ = c == '\r';
    if (c == '\r' || c == '\n') {
      line(partial_, out);
      partial_.clear();
      continue;
    }
    partial_ += c;
    if (++pending_ > max_pending_)
      throw std::length_error("an event of the stream is larger than " +
                              std::to_string(max_pending_) + " bytes");
  }
  return out;
}

void parser::line(std::string_view l, std::vector<event>& out) {
  if (l.empty()) {  // dispatch
    if (has_data_)
      out.push_back({last_id_, type_.empty() ? "message" : type_, data_});
    type_.clear();
    data_.clear();
    has_data_ = false;
    pending_ = 0;
    return;
  }
  if (l.front() == ':')
    return;
  auto colon = l.find(':');
  auto name = l.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? "" : l.substr(colon + 1);
  if (!value.empty() && value.front() == ' ')
    value.remove_prefix(1);
  if (name == "data") {
    if (has_data_)
      data_ += '\n';
    data_ += value;
    has_data_ = true;
  } else if (name == "event") {
    type_ = value;
  } else if (name == "id") {
    if (value.find('\0') == std::string_view::npos)
      last_id_ = value;
  } else if (name == "retry") {
    long ms = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
    if (ec == std::errc() && end == value.data() + value.size() && !value.empty())
      retry_ = ms;
  }
}

}  // namespace tessera::sse
