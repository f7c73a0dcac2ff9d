#include "protocol/bridge/answer.hpp"

#include "protocol/encoding.hpp"

namespace tessera::bridge {

std::string answer_head::header(std::string_view name) const {
  for (size_t i = 0; i + 1 < headers.size(); i += 2)
    if (encoding::iequals(headers[i], name)) return headers[i + 1];
  return {};
}

}  // namespace tessera::bridge
