#pragma once
// Handing writes to the single writer from a handler: the answer comes once
// the transaction committed (or says why it did not).
#include <vector>

#include "http/ask.hpp"

namespace tessera::http {

inline auto write(const call& c, write_op op) {
  return ask<caf::ok_atom>(c, c.ctx.actors.writer, atom::write::value, std::move(op));
}

/// All of `ops` in one transaction, or none.
inline auto write(const call& c, std::vector<write_op> ops) {
  return ask<caf::ok_atom>(c, c.ctx.actors.writer, atom::write::value, std::move(ops));
}

}  // namespace tessera::http
