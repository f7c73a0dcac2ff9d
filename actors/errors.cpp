#include "actors/errors.hpp"

#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace tessera {

caf::error make_error(ec code, std::string message) {
  return caf::error{static_cast<uint8_t>(code), error_category,
                    caf::make_message(std::move(message))};
}

problem to_problem(const caf::error& err) {
  if (!err)
    return {ec::none, ""};
  if (err.category() == error_category) {
    std::string message;
    if (err.context().match_elements<std::string>())
      message = err.context().get_as<std::string>(0);
    return {static_cast<ec>(err.code()), std::move(message)};
  }
  if (err.category() == caf::atom("system")) {
    switch (static_cast<caf::sec>(err.code())) {
      case caf::sec::request_timeout:
        return {ec::timeout, "the server did not answer in time; retry later"};
      case caf::sec::request_receiver_down:
      case caf::sec::invalid_argument:
        return {ec::unavailable, "a server component is not running"};
      default:
        break;
    }
  }
  return {ec::internal, "internal error"};
}

}  // namespace tessera
