#include "http/signed_request.hpp"

#include <spdlog/spdlog.h>

#include <ctime>

#include "http/ask.hpp"
#include "http/audit.hpp"
#include "protocol/encoding.hpp"
#include "protocol/http_signature.hpp"

namespace tessera::http {

bool registers_a_key(const request& req) {
  return req.method == "POST" &&
         (req.path == "/api/v1/agents" || req.path == "/api/v1/provider/agents");
}

task<std::optional<std::string>> signing_agent(const call& c, problem& err) {
  const auto& ctx = c.ctx;
  const auto& req = c.req;
  const auto& remote = c.remote;
  // The signature covers the path and query exactly as sent, not as decoded.
  std::string_view target = req.target;
  auto q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  auto signature_input = req.header("Signature-Input");
  auto signature = req.header("Signature");
  auto digest = req.header("Content-Digest");
  http_signature::request_view view{req.method, path,          query, req.body, signature_input,
                                    signature,  digest};
  auto skew = std::chrono::duration_cast<std::chrono::seconds>(ctx.cfg.auth.signature_max_skew);
  auto verified =
      http_signature::verify(view, static_cast<int64_t>(std::time(nullptr)), skew.count(), err);
  if (!verified) {
    // A security event: say why, never what was sent (headers, body).
    spdlog::warn("signature rejected method={} path={} remote={} reason=\"{}\"", req.method,
                 encoding::printable(req.path), remote, encoding::printable(err.message));
    audit(ctx, "signature_rejected", "", req.path, remote, {{"reason", err.message}});
    co_return std::nullopt;
  }
  // A nonce is kept only for a registered agent's key, or in the registration
  // pool for a request that registers the key: fresh keys can't fill the
  // window that registered agents need.
  bool registering = registers_a_key(req);
  if (!registering) {
    auto known = co_await ask<bool>(c, ctx.actors.registry, atom::exists::value,
                                    verified->key_id);
    if (!known.ok() || !known.get()) {
      // 404 as before for an unregistered agent, now without keeping its
      // nonce; not audited, so a flood of fresh keys can't fill the log.
      err = known.ok() ? problem{ec::not_found, "no agent with id " + verified->key_id}
                       : known.error();
      co_return std::nullopt;
    }
  }
  auto fresh = co_await ask<caf::ok_atom>(c, ctx.actors.replay, atom::check::value,
                                          verified->key_id, verified->nonce, verified->created,
                                          registering);
  if (!fresh.ok()) {
    err = fresh.error();
    spdlog::warn("signature rejected method={} path={} remote={} keyid={} reason=\"{}\"",
                 req.method, encoding::printable(req.path), remote, verified->key_id,
                 encoding::printable(err.message));
    audit(ctx, "signature_rejected", verified->key_id, req.path, remote,
          {{"reason", err.message}});
    co_return std::nullopt;
  }
  co_return std::move(verified->key_id);
}

}  // namespace tessera::http
