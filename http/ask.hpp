#pragma once
// Asking an actor from an HTTP worker thread: one scoped_actor per call (never
// shared between threads), a finite timeout, and the reply or the error as a
// value.
#include <caf/all.hpp>
#include <variant>

#include "actors/errors.hpp"

namespace tessera::http {

template <class R>
struct reply {
  std::variant<R, problem> value;
  bool ok() const { return value.index() == 0; }
  R& get() { return std::get<0>(value); }
  const problem& error() const { return std::get<1>(value); }
};

template <class R, class Handle, class... Ts>
reply<R> ask(caf::actor_system& sys, const Handle& dest, caf::duration timeout, Ts&&... xs) {
  reply<R> out{problem{ec::internal, "no reply"}};
  caf::scoped_actor self{sys};
  self->request(dest, timeout, std::forward<Ts>(xs)...)
      .receive([&](R& r) { out.value = std::move(r); },
               [&](caf::error& err) { out.value = to_problem(err); });
  return out;
}

}  // namespace tessera::http
