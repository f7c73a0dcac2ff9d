#include "storage/redis_client.hpp"

#include <hiredis/hiredis.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

namespace tessera::storage {

namespace redis_detail {
namespace {

// Every command's reads and writes give up after this long: the connection
// is then closed (hiredis can't resume after a timeout) and the caller
// reconnects. Longer than the connect timeout, so that a busy Redis on a
// loaded machine is not taken for a dead one.
constexpr std::chrono::milliseconds io_timeout{2'000};

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(ms.count() / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((ms.count() % 1000) * 1000);
  return tv;
}

redis_reply flatten(const redisReply* r) {
  redis_reply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.kind = redis_reply::integer;
      out.number = r->integer;
      break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      out.kind = redis_reply::string;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.kind = redis_reply::error;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.kind = redis_reply::array;
      out.items.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i)
        out.items.push_back(flatten(r->element[i]));
      break;
    default:
      out.kind = redis_reply::nil;
  }
  return out;
}

/// Takes ownership of a reply hiredis allocated.
redis_reply take(void* raw) {
  auto* r = static_cast<redisReply*>(raw);
  auto out = flatten(r);
  freeReplyObject(r);
  return out;
}

}  // namespace
}  // namespace redis_detail

redis_client::redis_client(config::redis_settings s) : settings_(std::move(s)) {}

redis_client::~redis_client() {
  disconnect();
}

void redis_client::disconnect() {
  if (ctx_ != nullptr) {
    redisFree(ctx_);
    ctx_ = nullptr;
  }
}

bool redis_client::connect(std::chrono::milliseconds timeout, std::string& why) {
  using namespace redis_detail;
  disconnect();
  // host:port; the host may itself hold colons only as a bracketed IPv6 address.
  const auto& addr = settings_.addr;
  auto colon = addr.rfind(':');
  if (colon == std::string::npos) {
    why = "redis.addr must be host:port, got \"" + addr + "\"";
    return false;
  }
  auto host = addr.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  int port = 0;
  auto port_text = std::string_view(addr).substr(colon + 1);
  auto [end, err] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (err != std::errc{} || end != port_text.data() + port_text.size() || port <= 0 ||
      port > 65535) {
    why = "redis.addr has no valid port: \"" + addr + "\"";
    return false;
  }
  auto* c = redisConnectWithTimeout(host.c_str(), port, to_timeval(timeout));
  if (c == nullptr) {
    why = "out of memory";
    return false;
  }
  if (c->err != 0) {
    why = "cannot connect to " + addr + ": " + c->errstr;
    redisFree(c);
    return false;
  }
  redisSetTimeout(c, to_timeval(std::max(timeout, io_timeout)));
  ctx_ = c;
  // AUTH and SELECT answer errors (wrong password, no such db) as replies;
  // their text never includes the password.
  if (!settings_.password.empty()) {
    auto r = command({"AUTH", settings_.password});
    if (!r || r->kind == redis_reply::error) {
      why = "Redis at " + addr + " refused AUTH" + (r ? ": " + r->text : std::string{});
      disconnect();
      return false;
    }
  }
  if (settings_.db != 0) {
    auto r = command({"SELECT", std::to_string(settings_.db)});
    if (!r || r->kind == redis_reply::error) {
      why = "Redis at " + addr + " refused SELECT " + std::to_string(settings_.db) +
            (r ? ": " + r->text : std::string{});
      disconnect();
      return false;
    }
  }
  return true;
}

std::optional<redis_reply> redis_client::command(const std::vector<std::string>& argv) {
  if (ctx_ == nullptr)
    return std::nullopt;
  std::vector<const char*> args;
  std::vector<size_t> lens;
  args.reserve(argv.size());
  lens.reserve(argv.size());
  for (const auto& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  void* raw = redisCommandArgv(ctx_, static_cast<int>(args.size()), args.data(), lens.data());
  if (raw == nullptr) {
    // An I/O error or a timeout: the context can't be used any more.
    disconnect();
    return std::nullopt;
  }
  return redis_detail::take(raw);
}

std::optional<redis_reply> redis_client::next_message(std::chrono::milliseconds timeout,
                                                      bool& broken) {
  broken = false;
  if (ctx_ == nullptr) {
    broken = true;
    return std::nullopt;
  }
  // A read timeout would leave the hiredis context in its error state, so
  // the wait is a poll() on its socket; hiredis then reads what is there.
  void* raw = nullptr;
  if (redisReaderGetReply(ctx_->reader, &raw) != REDIS_OK) {
    disconnect();
    broken = true;
    return std::nullopt;
  }
  if (raw != nullptr)
    return redis_detail::take(raw);
  pollfd p{ctx_->fd, POLLIN, 0};
  int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (n < 0 && errno == EINTR)
    return std::nullopt;
  if (n < 0 || (n > 0 && redisBufferRead(ctx_) != REDIS_OK)) {
    disconnect();
    broken = true;
    return std::nullopt;
  }
  if (n == 0)
    return std::nullopt;
  if (redisReaderGetReply(ctx_->reader, &raw) != REDIS_OK) {
    disconnect();
    broken = true;
    return std::nullopt;
  }
  if (raw == nullptr)
    return std::nullopt;  // part of a message: the rest comes with the next read
  return redis_detail::take(raw);
}

}  // namespace tessera::storage
