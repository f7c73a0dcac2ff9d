#pragma once
// The one middleware that decides who is calling and whether they may: it
// reads the credentials a route's policy accepts (RFC 9421 signature, JWT
// access token, API key) and checks the policy against the path.
#include "http/message.hpp"

#include <optional>
#include <string>

#include "http/route_table.hpp"
#include "protocol/errors.hpp"

namespace tessera::http {

/// Who sent `c.req`. Anonymous if no credentials were sent; nullopt with `err`
/// (401, or 503 if a lookup failed) if credentials were sent but don't hold.
task<std::optional<principal>> authenticate(const call& c, access policy, problem& err);

/// ec::none if `c.who` may call a route with `policy`; for agent and owner
/// policies the path's {id} is the agent concerned.
task<problem> authorize(const call& c, access policy);

}  // namespace tessera::http
