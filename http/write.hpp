#pragma once
// Handing writes to the single writer from an HTTP worker: the answer comes
// once the transaction committed (or says why it did not).
#include <vector>

#include "http/ask.hpp"
#include "http/context.hpp"

namespace tessera::http {

inline reply<caf::ok_atom> write(const context& ctx, write_op op) {
  return ask<caf::ok_atom>(ctx.sys, ctx.actors.writer, timeout_of(ctx), atom::write::value,
                           std::move(op));
}

/// All of `ops` in one transaction, or none.
inline reply<caf::ok_atom> write(const context& ctx, std::vector<write_op> ops) {
  return ask<caf::ok_atom>(ctx.sys, ctx.actors.writer, timeout_of(ctx), atom::write::value,
                           std::move(ops));
}

}  // namespace tessera::http
