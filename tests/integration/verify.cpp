// Endpoint verification through a real tesserad against a real challenge
// server on loopback: every outcome is checked in the HTTP answer and in what
// was stored (the agent's verified flag, its reputation history, the audit
// log), and the SSRF cases make sure no connection is made where none may be.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include "protocol/verify_challenge.hpp"
#include "support.hpp"

using namespace tessera::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace vc = tessera::verify_challenge;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Lets a handler wait until the test releases it (or its time is up).
struct hold {
  std::mutex mutex;
  std::condition_variable cv;
  bool released = false;

  void wait(std::chrono::milliseconds at_most) {
    std::unique_lock lock(mutex);
    cv.wait_for(lock, at_most, [this] { return released; });
  }
  void release() {
    std::lock_guard lock(mutex);
    released = true;
    cv.notify_all();
  }
};

/// An agent's endpoint: GET /agents/<id>/.well-known/tessera-verify answers
/// as the responder set for that agent says.
class challenge_server {
public:
  // The nonce received and the response to fill.
  using responder = std::function<void(const std::string& nonce, httplib::Response&)>;

  challenge_server() {
    server_.Get(R"(/agents/([^/]+)/\.well-known/tessera-verify)",
                [this](const httplib::Request& req, httplib::Response& res) {
                  responder r;
                  {
                    std::lock_guard lock(mutex_);
                    ++requests_;
                    auto it = responders_.find(req.matches[1]);
                    if (it != responders_.end())
                      r = it->second;
                  }
                  if (!r) {
                    res.status = 404;
                    return;
                  }
                  r(req.get_param_value("challenge"), res);
                });
    port_ = server_.bind_to_any_port("127.0.0.1");
    BOOST_TEST_REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i)
      std::this_thread::sleep_for(10ms);
    BOOST_TEST_REQUIRE(server_.is_running());
  }
  ~challenge_server() {
    server_.stop();
    thread_.join();
  }

  void answer(const agent& a, responder r) {
    std::lock_guard lock(mutex_);
    responders_[a.id] = std::move(r);
  }
  std::string url_for(const agent& a, const std::string& host = "127.0.0.1") const {
    return "http://" + host + ":" + std::to_string(port_) + "/agents/" + a.id;
  }
  int port() const { return port_; }
  int requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::map<std::string, responder> responders_;
  int requests_ = 0;
};

/// The honest endpoint: signs the nonce with `signer`'s key for `a`'s id.
challenge_server::responder signed_answer(const agent& a, const agent& signer) {
  return [id = a.id, key = signer.key.secret_key](const std::string& nonce,
                                                  httplib::Response& res) {
    res.set_content(vc::answer(id, nonce, key), "application/json");
  };
}
challenge_server::responder signed_answer(const agent& a) { return signed_answer(a, a); }

/// A listening socket that never accepts: the kernel still completes and
/// queues connections, so its queue tells whether anyone connected.
class silent_listener {
public:
  silent_listener() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    socklen_t length = sizeof a;
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    auto* raw = reinterpret_cast<sockaddr*>(&a);
    BOOST_TEST_REQUIRE(fd_ >= 0);
    BOOST_TEST_REQUIRE(::bind(fd_, raw, length) == 0);
    BOOST_TEST_REQUIRE(::listen(fd_, 16) == 0);
    BOOST_TEST_REQUIRE(::getsockname(fd_, raw, &length) == 0);
    port_ = ntohs(a.sin_port);
  }
  ~silent_listener() { ::close(fd_); }
  int port() const { return port_; }
  int connections() {
    int count = 0;
    for (int c; (c = ::accept(fd_, nullptr, nullptr)) >= 0; ++count)
      ::close(c);
    return count;
  }

private:
  int fd_ = -1;
  int port_ = 0;
};

/// A tesserad with accounts (for owners, admins and the audit log), allowed to
/// reach 127.0.0.1; `extra` adds or overrides keys.
std::map<std::string, std::string> verify_settings(const temp_dir& dir,
                                                   std::map<std::string, std::string> extra = {}) {
  std::map<std::string, std::string> s = {{"security.allow_cidrs", "[\"127.0.0.1/32\"]"},
                                          {"verifier.min_interval", "100ms"},
                                          {"verifier.timeout", "1s"}};
  for (auto& [k, v] : extra)
    s[k] = v;
  return account_settings(dir, s);
}

using settings = std::map<std::string, std::string>;

struct tesserad {
  temp_dir dir;
  test_database db{dir};
  server_process server;

  explicit tesserad(std::map<std::string, std::string> extra = {})
      : server(dir, db, verify_settings(dir, std::move(extra))) {
    server.start();
  }

  /// Registers `a` with its card's url set to `url`.
  void register_agent(const agent& a, const std::string& url) {
    auto card = a.card("Verified agent");
    card["url"] = url;
    auto reg = a.register_at(server, a.sign(card));
    BOOST_REQUIRE_MESSAGE(reg.status == 201, reg.body);
  }

  std::string verify_path(const agent& a) const { return "/api/v1/agents/" + a.id + "/verify"; }

  /// PUT the agent's card with another url, signed by the agent.
  http_result update_url(const agent& a, const std::string& url) const {
    auto card = a.card("Verified agent");
    card["url"] = url;
    auto body = a.sign(card).dump();
    auto target = "/api/v1/agents/" + a.id;
    return server.send("PUT", target, body, a.sign_request("PUT", target, body));
  }

  /// POST .../verify signed by the agent itself.
  http_result verify(const agent& a) const {
    return server.send("POST", verify_path(a), "", a.sign_request("POST", verify_path(a), ""));
  }

  json agent_json(const agent& a) const {
    auto res = server.get("/api/v1/agents/" + a.id);
    BOOST_REQUIRE_MESSAGE(res.status == 200, res.body);
    return res.json();
  }

  /// How many events of `kind` the agent's reputation history holds, once
  /// the history holds at least `at_least` of them (or 10 s passed).
  size_t reputation_events(const agent& a, const std::string& kind, size_t at_least = 1) const {
    size_t count = 0;
    http_result res;
    auto until = std::chrono::steady_clock::now() + 10s;
    do {
      res = server.get("/api/v1/directory/" + a.id + "/reputation?limit=200");
      BOOST_REQUIRE_MESSAGE(res.status == 200, res.body);
      count = 0;
      auto body = res.json();
      for (const auto& e : body["history"])
        count += e["kind"] == kind ? 1 : 0;
      if (count >= at_least)
        return count;
      std::this_thread::sleep_for(20ms);
    } while (std::chrono::steady_clock::now() < until);
    BOOST_TEST_MESSAGE("reputation of " << a.id << ": " << res.body);
    return count;
  }

  /// The newest audit entry with `action` about `a` (waits for it).
  json audit_about(const agent& a, const std::string& action, size_t count = 1) const {
    BOOST_REQUIRE_MESSAGE(wait_for_audit(dir, action, count), "no " << action << " audited");
    json found;
    for (const auto& e : audit_entries(dir))
      if (e.is_object() && e["action"] == action && e["target"] == a.id)
        found = e;
    BOOST_REQUIRE_MESSAGE(found.is_object(), "no " << action << " audited for the agent");
    return found;
  }

  /// A failed verification: 422 naming `reason`, stored unverified, credited
  /// and audited with the reason.
  void expect_failure(const agent& a, const http_result& res, const std::string& reason) const {
    BOOST_TEST(res.status == 422, res.body);
    BOOST_TEST(res.error_code() == "verification_failed");
    BOOST_TEST(contains(res.error_message(), reason), res.error_message());
    auto stored = agent_json(a);
    BOOST_TEST(stored["verified"] == false);
    BOOST_TEST(stored["verified_at"].is_null());
    BOOST_TEST(reputation_events(a, "verification_failed") == 1u);
    BOOST_TEST(reputation_events(a, "verification_passed", 0) == 0u);
    auto entry = audit_about(a, "agent_verification_failed");
    BOOST_TEST(contains(entry["detail"]["reason"].get<std::string>(), reason), entry.dump());
    BOOST_TEST(entry["detail"]["url"].is_string());
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(verify)

BOOST_AUTO_TEST_CASE(a_valid_answer_verifies_the_agent) {
  tesserad t;
  challenge_server endpoint;
  agent a;
  t.register_agent(a, endpoint.url_for(a) + "/");
  endpoint.answer(a, signed_answer(a));
  BOOST_TEST(t.agent_json(a)["verified"] == false);

  auto res = t.verify(a);
  BOOST_REQUIRE_MESSAGE(res.status == 200, res.body);
  auto body = res.json();
  BOOST_TEST(body["id"] == a.id);
  BOOST_TEST(body["verified"] == true);
  BOOST_TEST(body["verified_at"].is_string());
  BOOST_TEST(body["url"] == endpoint.url_for(a) + "/");
  BOOST_TEST(endpoint.requests() == 1);

  auto stored = t.agent_json(a);
  BOOST_TEST(stored["verified"] == true);
  BOOST_TEST(stored["verified_at"] == body["verified_at"]);
  BOOST_TEST(t.reputation_events(a, "verification_passed") == 1u);
  auto entry = t.audit_about(a, "agent_verified");
  BOOST_TEST(entry["actor"] == a.id);
  BOOST_TEST(entry["detail"]["url"] == endpoint.url_for(a) + "/");
}

BOOST_AUTO_TEST_CASE(re_verifying_earns_no_second_pass) {
  tesserad t;
  challenge_server endpoint;
  agent a;
  t.register_agent(a, endpoint.url_for(a));
  endpoint.answer(a, signed_answer(a));
  BOOST_REQUIRE_EQUAL(t.verify(a).status, 200);
  std::this_thread::sleep_for(150ms);  // verifier.min_interval
  BOOST_REQUIRE_EQUAL(t.verify(a).status, 200);
  BOOST_TEST(t.audit_about(a, "agent_verified", 2)["target"] == a.id);
  // A failure afterwards is credited; the verifier's credits arrive in
  // order, so once it is in the history a second pass would be too.
  std::this_thread::sleep_for(150ms);
  agent stranger;
  endpoint.answer(a, signed_answer(a, stranger));
  BOOST_REQUIRE_EQUAL(t.verify(a).status, 422);
  BOOST_TEST(t.reputation_events(a, "verification_failed") == 1u);
  BOOST_TEST(t.reputation_events(a, "verification_passed") == 1u);
  // Fixed: a pass after a failure is credited again...
  std::this_thread::sleep_for(150ms);
  endpoint.answer(a, signed_answer(a));
  BOOST_REQUIRE_EQUAL(t.verify(a).status, 200);
  BOOST_TEST(t.reputation_events(a, "verification_passed", 2) == 2u);
  // ...but switching the card's url away and back (which clears verified)
  // and passing again is not: no farming a pass by toggling the url.
  BOOST_REQUIRE_EQUAL(t.update_url(a, endpoint.url_for(a) + "/").status, 200);
  BOOST_REQUIRE(t.agent_json(a)["verified"] == false);
  std::this_thread::sleep_for(150ms);
  BOOST_REQUIRE_EQUAL(t.verify(a).status, 200);
  BOOST_TEST(t.agent_json(a)["verified"] == true);
  BOOST_TEST(t.audit_about(a, "agent_verified", 4)["target"] == a.id);
  // The verifier credits in order; a following failure shows the pass was
  // seen and not credited.
  std::this_thread::sleep_for(150ms);
  endpoint.answer(a, signed_answer(a, stranger));
  BOOST_REQUIRE_EQUAL(t.verify(a).status, 422);
  BOOST_TEST(t.reputation_events(a, "verification_failed", 2) == 2u);
  BOOST_TEST(t.reputation_events(a, "verification_passed") == 2u);
}

BOOST_AUTO_TEST_CASE(a_wrong_signature_fails) {
  tesserad t;
  challenge_server endpoint;
  agent a, stranger;
  t.register_agent(a, endpoint.url_for(a));
  endpoint.answer(a, signed_answer(a, stranger));
  t.expect_failure(a, t.verify(a), "does not verify with the agent's key");
}

BOOST_AUTO_TEST_CASE(an_answer_to_another_nonce_fails) {
  tesserad t;
  challenge_server endpoint;
  agent a;
  t.register_agent(a, endpoint.url_for(a));
  endpoint.answer(a, [&a](const std::string&, httplib::Response& res) {
    res.set_content(vc::answer(a.id, vc::make_nonce(), a.key.secret_key), "application/json");
  });
  t.expect_failure(a, t.verify(a), "another challenge");
}

BOOST_AUTO_TEST_CASE(an_answer_after_the_nonce_expired_fails) {
  tesserad t(settings{{"verifier.nonce_ttl", "200ms"}, {"verifier.timeout", "5s"}});
  challenge_server endpoint;
  agent a;
  t.register_agent(a, endpoint.url_for(a));
  endpoint.answer(a, [&a](const std::string& nonce, httplib::Response& res) {
    std::this_thread::sleep_for(700ms);
    res.set_content(vc::answer(a.id, nonce, a.key.secret_key), "application/json");
  });
  t.expect_failure(a, t.verify(a), "after the challenge expired");
}

BOOST_AUTO_TEST_CASE(a_replayed_answer_fails) {
  tesserad t;
  challenge_server endpoint;
  agent a;
  t.register_agent(a, endpoint.url_for(a));
  // The first, honest answer is recorded and then played back.
  auto recorded = std::make_shared<std::string>();
  endpoint.answer(a, [&a, recorded](const std::string& nonce, httplib::Response& res) {
    *recorded = vc::answer(a.id, nonce, a.key.secret_key);
    res.set_content(*recorded, "application/json");
  });
  BOOST_REQUIRE_EQUAL(t.verify(a).status, 200);
  BOOST_REQUIRE_EQUAL(t.reputation_events(a, "verification_passed"), 1u);
  endpoint.answer(a, [recorded](const std::string&, httplib::Response& res) {
    res.set_content(*recorded, "application/json");
  });
  std::this_thread::sleep_for(150ms);
  auto res = t.verify(a);
  BOOST_TEST(res.status == 422, res.body);
  BOOST_TEST(contains(res.error_message(), "another challenge"), res.error_message());
  BOOST_TEST(t.agent_json(a)["verified"] == false);  // a failure takes the badge away
  BOOST_TEST(t.reputation_events(a, "verification_failed") == 1u);
  t.audit_about(a, "agent_verification_failed");
}

BOOST_AUTO_TEST_CASE(a_slow_endpoint_times_out) {
  tesserad t;  // verifier.timeout: 1s
  challenge_server endpoint;
  agent a;
  t.register_agent(a, endpoint.url_for(a));
  auto gate = std::make_shared<hold>();
  endpoint.answer(a, [&a, gate](const std::string& nonce, httplib::Response& res) {
    gate->wait(3s);
    res.set_content(vc::answer(a.id, nonce, a.key.secret_key), "application/json");
  });
  auto res = t.verify(a);
  gate->release();
  t.expect_failure(a, res, "did not answer within 1000 ms");
}

BOOST_AUTO_TEST_CASE(an_oversized_answer_fails) {
  tesserad t;
  challenge_server endpoint;
  agent a;
  t.register_agent(a, endpoint.url_for(a));
  endpoint.answer(a, [&a](const std::string& nonce, httplib::Response& res) {
    auto doc = json::parse(vc::answer(a.id, nonce, a.key.secret_key));
    doc["padding"] = std::string(5000, 'x');  // valid but for its size
    res.set_content(doc.dump(), "application/json");
  });
  t.expect_failure(a, t.verify(a), "larger than 4096 bytes");
}

BOOST_AUTO_TEST_CASE(a_redirect_to_a_blocked_address_is_not_followed) {
  tesserad t;
  challenge_server endpoint;
  agent a;
  t.register_agent(a, endpoint.url_for(a));
  endpoint.answer(a, [](const std::string& nonce, httplib::Response& res) {
    res.set_redirect("http://10.0.0.1/.well-known/tessera-verify?challenge=" + nonce, 302);
  });
  t.expect_failure(a, t.verify(a), "redirecting to 10.0.0.1; redirects are not followed");
  BOOST_TEST(endpoint.requests() == 1);
}

BOOST_AUTO_TEST_CASE(a_name_that_resolves_to_a_blocked_address_is_not_contacted) {
  // Something is allowed, just not what localhost resolves to.
  tesserad t(settings{{"security.allow_cidrs", "[\"127.0.0.2/32\"]"}});
  silent_listener listener;
  agent a;
  t.register_agent(a, "http://localhost:" + std::to_string(listener.port()) + "/agents/x");
  auto res = t.verify(a);
  t.expect_failure(a, res, "has no address outbound requests may reach");
  // Which address it was stays on the server: no mapping internal DNS through card urls.
  BOOST_TEST(res.body.find("127.0.0.1") == std::string::npos, res.body);
  BOOST_TEST(listener.connections() == 0);
}

// "No address" and "a blocked address" read the same, so card urls can't
// tell which internal names exist.
BOOST_AUTO_TEST_CASE(a_name_that_does_not_resolve_reads_like_a_blocked_one) {
  tesserad t;
  agent a;
  t.register_agent(a, "http://no-such-host.invalid/agents/x");
  auto res = t.verify(a);
  t.expect_failure(a, res, "has no address outbound requests may reach");
  // Before: "no-such-host.invalid has no address", told apart from a blocked one.
  BOOST_TEST(res.body.find("no-such-host.invalid has no address") == std::string::npos, res.body);
}

BOOST_AUTO_TEST_CASE(a_blocked_endpoint_is_not_contacted) {
  tesserad t(settings{{"security.allow_cidrs", "[]"}});
  silent_listener listener;
  agent a;
  t.register_agent(a, "http://127.0.0.1:" + std::to_string(listener.port()) + "/agents/x");
  t.expect_failure(a, t.verify(a), "has no address outbound requests may reach");
  BOOST_TEST(listener.connections() == 0);
}

BOOST_AUTO_TEST_CASE(a_new_card_url_clears_verified) {
  tesserad t;
  challenge_server endpoint;
  agent a;
  t.register_agent(a, endpoint.url_for(a));
  endpoint.answer(a, signed_answer(a));
  BOOST_REQUIRE_EQUAL(t.verify(a).status, 200);
  BOOST_REQUIRE(t.agent_json(a)["verified"] == true);

  // The same url again keeps it; another url drops it.
  auto same = t.update_url(a, endpoint.url_for(a));
  BOOST_REQUIRE_MESSAGE(same.status == 200, same.body);
  BOOST_TEST(t.agent_json(a)["verified"] == true);
  auto moved = t.update_url(a, "https://elsewhere.example.com/agent");
  BOOST_REQUIRE_MESSAGE(moved.status == 200, moved.body);
  auto stored = t.agent_json(a);
  BOOST_TEST(stored["verified"] == false);
  BOOST_TEST(stored["verified_at"].is_null());
}

BOOST_AUTO_TEST_CASE(one_verification_at_a_time_per_agent) {
  tesserad t(settings{{"verifier.timeout", "5s"}});
  challenge_server endpoint;
  agent a;
  t.register_agent(a, endpoint.url_for(a));
  auto gate = std::make_shared<hold>();
  endpoint.answer(a, [&a, gate](const std::string& nonce, httplib::Response& res) {
    gate->wait(4s);
    res.set_content(vc::answer(a.id, nonce, a.key.secret_key), "application/json");
  });
  auto first = std::async(std::launch::async, [&] { return t.verify(a); });
  for (int i = 0; i < 500 && endpoint.requests() == 0; ++i)
    std::this_thread::sleep_for(10ms);
  BOOST_REQUIRE_EQUAL(endpoint.requests(), 1);
  auto second = t.verify(a);
  BOOST_TEST(second.status == 409, second.body);
  BOOST_TEST(second.error_code() == "conflict");
  gate->release();
  auto done = first.get();
  BOOST_TEST(done.status == 200, done.body);
  BOOST_TEST(endpoint.requests() == 1);
}

BOOST_AUTO_TEST_CASE(a_busy_party_waits_its_turn) {
  tesserad t(settings{{"verifier.workers", "1"}, {"verifier.timeout", "5s"}});
  challenge_server endpoint;
  agent a, b;
  t.register_agent(a, endpoint.url_for(a));
  t.register_agent(b, endpoint.url_for(b));
  auto gate = std::make_shared<hold>();
  endpoint.answer(a, [&a, gate](const std::string& nonce, httplib::Response& res) {
    gate->wait(4s);
    res.set_content(vc::answer(a.id, nonce, a.key.secret_key), "application/json");
  });
  endpoint.answer(b, signed_answer(b));
  auto first = std::async(std::launch::async, [&] { return t.verify(a); });
  for (int i = 0; i < 500 && endpoint.requests() == 0; ++i)
    std::this_thread::sleep_for(10ms);
  BOOST_REQUIRE_EQUAL(endpoint.requests(), 1);
  // b waits for the worker instead of being refused, and goes once a is done.
  auto second = std::async(std::launch::async, [&] { return t.verify(b); });
  BOOST_TEST((second.wait_for(300ms) == std::future_status::timeout));
  BOOST_TEST(endpoint.requests() == 1);
  gate->release();
  BOOST_TEST(first.get().status == 200);
  auto waited = second.get();
  BOOST_TEST(waited.status == 200, waited.body);
  BOOST_TEST(endpoint.requests() == 2);
}

BOOST_AUTO_TEST_CASE(a_party_waits_with_at_most_four) {
  tesserad t(settings{{"verifier.workers", "1"}, {"verifier.timeout", "5s"}});
  challenge_server endpoint;
  auto gate = std::make_shared<hold>();
  std::vector<agent> agents(6);
  for (auto& a : agents) {
    t.register_agent(a, endpoint.url_for(a));
    endpoint.answer(a, [&a, gate](const std::string& nonce, httplib::Response& res) {
      gate->wait(4s);
      res.set_content(vc::answer(a.id, nonce, a.key.secret_key), "application/json");
    });
  }
  std::vector<std::future<http_result>> held;
  held.push_back(std::async(std::launch::async, [&] { return t.verify(agents[0]); }));
  for (int n = 0; n < 500 && endpoint.requests() == 0; ++n)
    std::this_thread::sleep_for(10ms);
  BOOST_REQUIRE_EQUAL(endpoint.requests(), 1);
  for (size_t i = 1; i < 5; ++i) {  // in order, so the sixth is the one over
    held.push_back(std::async(std::launch::async, [&, i] { return t.verify(agents[i]); }));
    std::this_thread::sleep_for(100ms);
  }
  // One runs and four wait: the sixth of the same party is refused.
  auto refused = t.verify(agents[5]);
  BOOST_TEST(refused.status == 503, refused.body);
  BOOST_TEST(refused.error_code() == "unavailable");
  BOOST_TEST(contains(refused.error_message(), "waiting"), refused.error_message());
  gate->release();
  for (auto& f : held) {
    auto r = f.get();
    BOOST_TEST(r.status == 200, r.body);
  }
  // The refusal was no attempt: the sixth may go at once.
  BOOST_TEST(t.verify(agents[5]).status == 200);
}

BOOST_AUTO_TEST_CASE(slow_endpoints_do_not_keep_a_legitimate_verify_waiting) {
  // Four agents whose endpoints answer slowly, verified from one address,
  // take one of the four workers; the others wait their party's turn. A
  // verify from another address runs at once.
  tesserad t(settings{{"verifier.timeout", "5s"}, {"server.trusted_proxies", "[\"127.0.0.1\"]"}});
  challenge_server endpoint;
  auto gate = std::make_shared<hold>();
  std::vector<agent> slow(4);
  for (auto& a : slow) {
    t.register_agent(a, endpoint.url_for(a));
    endpoint.answer(a, [&a, gate](const std::string& nonce, httplib::Response& res) {
      gate->wait(5s);
      res.set_content(vc::answer(a.id, nonce, a.key.secret_key), "application/json");
    });
  }
  agent legit;
  t.register_agent(legit, endpoint.url_for(legit));
  endpoint.answer(legit, signed_answer(legit));
  auto from = [&](const agent& a, const std::string& address) {
    auto headers = a.sign_request("POST", t.verify_path(a), "");
    headers.emplace("X-Forwarded-For", address);
    return t.server.send("POST", t.verify_path(a), "", headers);
  };
  std::vector<std::future<http_result>> held;
  for (auto& a : slow)
    held.push_back(std::async(std::launch::async, [&] { return from(a, "198.51.100.7"); }));
  for (int n = 0; n < 500 && endpoint.requests() == 0; ++n)
    std::this_thread::sleep_for(10ms);
  std::this_thread::sleep_for(100ms);  // the other three are queued by now
  auto res = from(legit, "203.0.113.9");
  BOOST_TEST(res.status == 200, res.body);
  // Only one slow endpoint was asked: its party's others still wait.
  BOOST_TEST(endpoint.requests() == 2);
  for (auto& f : held)
    BOOST_TEST((f.wait_for(0ms) == std::future_status::timeout));
  gate->release();
  for (auto& f : held) {
    auto r = f.get();
    BOOST_TEST(r.status == 200, r.body);
  }
}

BOOST_AUTO_TEST_CASE(a_card_url_with_a_query_is_refused) {
  tesserad t;
  agent a;
  t.register_agent(a, "http://127.0.0.1:1/agent?x=1");
  auto res = t.verify(a);
  BOOST_TEST(res.status == 400, res.body);
  BOOST_TEST(contains(res.error_message(), "query or a fragment"), res.error_message());
  BOOST_TEST(t.agent_json(a)["verified"] == false);
}

BOOST_AUTO_TEST_CASE(asking_again_too_soon_is_429) {
  tesserad t(settings{{"verifier.min_interval", "1m"}});
  challenge_server endpoint;
  agent a;
  t.register_agent(a, endpoint.url_for(a));
  endpoint.answer(a, signed_answer(a));
  BOOST_REQUIRE_EQUAL(t.verify(a).status, 200);
  auto again = t.verify(a);
  BOOST_TEST(again.status == 429, again.body);
  BOOST_TEST(again.error_code() == "rate_limited");
  BOOST_TEST(contains(again.error_message(), "verifier.min_interval"), again.error_message());
  auto retry = again.headers.find("Retry-After");
  BOOST_REQUIRE(retry != again.headers.end());
  BOOST_TEST(retry->second == "60");
  BOOST_TEST(endpoint.requests() == 1);
}

BOOST_AUTO_TEST_CASE(unknown_agents_and_anonymous_callers_are_refused) {
  tesserad t;
  agent never_registered;
  BOOST_TEST(t.verify(never_registered).status == 404);
  auto anonymous = t.server.send("POST", t.verify_path(never_registered), "", {});
  BOOST_TEST(anonymous.status == 401, anonymous.body);
}

BOOST_AUTO_TEST_CASE(the_owner_may_verify_and_others_may_not) {
  tesserad t;
  challenge_server endpoint;
  agent a;
  t.register_agent(a, endpoint.url_for(a));
  endpoint.answer(a, signed_answer(a));
  auto owner = sign_up(t.server, "owner@example.com");
  auto token = t.server.send("POST", "/api/v1/claim-tokens", "{}", owner.auth());
  BOOST_REQUIRE_MESSAGE(token.status == 201, token.body);
  auto claim_target = "/api/v1/agents/" + a.id + "/claim";
  auto claim_body = json{{"token", token.json()["token"]}}.dump();
  auto claimed = t.server.send("POST", claim_target, claim_body,
                               a.sign_request("POST", claim_target, claim_body));
  BOOST_REQUIRE_MESSAGE(claimed.status == 200, claimed.body);

  auto other = sign_up(t.server, "other@example.com");
  auto refused = t.server.send("POST", t.verify_path(a), "", other.auth());
  BOOST_TEST(refused.status == 403, refused.body);
  BOOST_TEST(endpoint.requests() == 0);

  auto res = t.server.send("POST", t.verify_path(a), "", owner.auth());
  BOOST_REQUIRE_MESSAGE(res.status == 200, res.body);
  BOOST_TEST(t.agent_json(a)["verified"] == true);
  BOOST_TEST(t.audit_about(a, "agent_verified")["actor"] == owner.id);
}

BOOST_AUTO_TEST_CASE(an_admin_can_override_and_revoke) {
  tesserad t;
  agent a;
  t.register_agent(a, "https://agent.example.com/unreachable");
  auto admin = make_admin(t.dir, t.server, "admin@example.com");
  auto path = "/api/v1/admin/agents/" + a.id + "/verify";

  auto user = sign_up(t.server, "user@example.com");
  BOOST_TEST(t.server.send("POST", path, "", user.auth()).status == 403);
  BOOST_TEST(t.agent_json(a)["verified"] == false);

  auto set = t.server.send("POST", path, "", admin.auth());
  BOOST_REQUIRE_MESSAGE(set.status == 200, set.body);
  BOOST_TEST(set.json()["verified"] == true);
  BOOST_TEST(set.json()["verified_at"].is_string());
  BOOST_TEST(set.json()["url"] == "https://agent.example.com/unreachable");
  auto stored = t.agent_json(a);
  BOOST_TEST(stored["verified"] == true);
  BOOST_TEST(stored["verified_at"] == set.json()["verified_at"]);
  BOOST_TEST(t.audit_about(a, "agent_verify_override")["actor"] == admin.id);

  auto revoked = t.server.send("DELETE", path, "", admin.auth());
  BOOST_REQUIRE_MESSAGE(revoked.status == 200, revoked.body);
  BOOST_TEST(revoked.json()["verified"] == false);
  BOOST_TEST(revoked.json()["verified_at"].is_null());
  BOOST_TEST(t.agent_json(a)["verified"] == false);
  t.audit_about(a, "agent_verify_revoked");

  // The say-so is no reputation event: the history has the registration only.
  BOOST_TEST(t.reputation_events(a, "registered") == 1u);
  BOOST_TEST(t.reputation_events(a, "verification_passed", 0) == 0u);
  agent unknown;
  BOOST_TEST(t.server.send("POST", "/api/v1/admin/agents/" + unknown.id + "/verify", "",
                           admin.auth())
                 .status == 404);
}

BOOST_AUTO_TEST_SUITE_END()
