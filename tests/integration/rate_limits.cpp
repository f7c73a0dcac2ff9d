// Rate and connection limits through a real tesserad: per-IP, per-user and
// per-agent token buckets with 429 and Retry-After, X-Forwarded-For believed
// only from trusted proxies, and max_connections turning extra connections
// away with 503.
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support.hpp"

using namespace tessera::test;
using nlohmann::json;

namespace {

const std::string secret = "rate-limit-secret-0123456789-abcdefghijkl";
constexpr int burst = 5;

std::map<std::string, std::string> limited(std::map<std::string, std::string> extra = {}) {
  // A slow refill: a test's requests never earn a new token in time.
  std::map<std::string, std::string> s{{"rate_limit.enabled", "true"},
                                       {"rate_limit.requests_per_sec", "0.01"},
                                       {"rate_limit.burst_size", std::to_string(burst)}};
  s.insert(extra.begin(), extra.end());
  return s;
}

httplib::Headers from(const std::string& ip) {
  return {{"X-Forwarded-For", ip}};
}

void check_limited(const http_result& res) {
  BOOST_TEST(res.status == 429, res.body);
  BOOST_TEST(res.error_code() == "rate_limited");
  auto it = res.headers.find("Retry-After");
  BOOST_REQUIRE(it != res.headers.end());
  // 1 token at 0.01/s: about 100 s.
  BOOST_TEST(std::stoi(it->second) >= 1);
  BOOST_TEST(std::stoi(it->second) <= 100);
}

/// A TCP connection to the server that sends nothing (a slow client).
struct idle_connection {
  int fd = -1;
  explicit idle_connection(int port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  }
  ~idle_connection() { ::close(fd); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(rate_limits)

BOOST_AUTO_TEST_CASE(an_address_gets_its_burst_then_429_with_retry_after) {
  temp_dir dir;
  test_database db{dir};
  server_process server{dir, db, limited()};
  server.start();  // its readiness probe may have spent a token or more
  int ok = 0;
  http_result last;
  for (int i = 0; i < burst + 1; ++i) {
    last = server.get("/api/v1/agents");
    ok += last.status == 200;
  }
  BOOST_TEST(ok <= burst);
  check_limited(last);
  // Not from a trusted proxy: X-Forwarded-For can't buy a fresh bucket.
  check_limited(server.get("/api/v1/agents", from("203.0.113.9")));
}

BOOST_AUTO_TEST_CASE(behind_a_trusted_proxy_each_forwarded_client_has_its_own_bucket) {
  temp_dir dir;
  test_database db{dir};
  server_process server{dir, db, limited({{"server.trusted_proxies", "[\"127.0.0.0/8\"]"}})};
  server.start();
  for (int i = 0; i < burst; ++i)
    BOOST_TEST(server.get("/api/v1/agents", from("203.0.113.7")).status == 200);
  check_limited(server.get("/api/v1/agents", from("203.0.113.7")));
  BOOST_TEST(server.get("/api/v1/agents", from("203.0.113.8")).status == 200);
  // A client can prepend whatever it likes; the proxy appends the real peer,
  // and that rightmost untrusted hop is the one that counts.
  check_limited(server.get("/api/v1/agents", from("198.51.100.1, 203.0.113.7")));
  // Trusted hops on the right are skipped.
  check_limited(server.get("/api/v1/agents", from("203.0.113.7, 127.0.0.5")));
  // The access log names the forwarded client, and the proxy as the peer.
  BOOST_TEST(wait_for_log(server, "remote=203.0.113.8 peer=127.0.0.1"), server.log());
}

BOOST_AUTO_TEST_CASE(users_and_agents_have_their_own_buckets_across_addresses) {
  temp_dir dir;
  test_database db{dir};
  server_process server{dir, db,
                        limited({{"server.trusted_proxies", "[\"127.0.0.1\"]"},
                                 {"user_auth.enabled", "true"},
                                 {"user_auth.jwt_secret", "\"" + secret + "\""},
                                 {"user_auth.password_hash_ops", "1"},
                                 {"user_auth.password_hash_memory", "8KiB"}})};
  server.start();
  int ip = 0;
  auto next_ip = [&] { return "198.51.100." + std::to_string(++ip); };
  auto body = json{{"email", "rita@example.com"},
                   {"password", "rate limited password"},
                   {"display_name", "Rita"}};
  BOOST_REQUIRE_EQUAL(server.send("POST", "/api/v1/auth/register", body.dump(), from(next_ip()))
                          .status,
                      201);
  body.erase("display_name");
  auto login = server.send("POST", "/api/v1/auth/login", body.dump(), from(next_ip()));
  BOOST_REQUIRE_EQUAL(login.status, 200);
  httplib::Headers auth{{"Authorization", "Bearer " + login.json()["access_token"].get<std::string>()}};
  // Every request from a new address: only the user's bucket runs dry.
  for (int i = 0; i < burst; ++i) {
    auto h = auth;
    h.emplace("X-Forwarded-For", next_ip());
    BOOST_TEST(server.get("/api/v1/auth/me", h).status == 200);
  }
  auth.emplace("X-Forwarded-For", next_ip());
  auto res = server.get("/api/v1/auth/me", auth);
  check_limited(res);
  BOOST_TEST(res.error_message().find("usr_") != std::string::npos, res.error_message());

  agent a;
  auto card = a.sign(a.card()).dump();
  auto reg = a.sign_request("POST", "/api/v1/agents", card);
  reg.emplace("X-Forwarded-For", next_ip());
  BOOST_REQUIRE_EQUAL(server.send("POST", "/api/v1/agents", card, reg).status, 201);
  auto target = "/api/v1/agents/" + a.id + "/heartbeat";
  http_result beat;
  for (int i = 0; i < burst; ++i) {
    auto h = a.sign_request("POST", target, "");
    h.emplace("X-Forwarded-For", next_ip());
    beat = server.send("POST", target, "", h);
  }
  check_limited(beat);  // the registration took the first token
  BOOST_TEST(beat.error_message().find(a.id) != std::string::npos, beat.error_message());
}

BOOST_AUTO_TEST_CASE(connections_over_max_connections_get_503) {
  temp_dir dir;
  test_database db{dir};
  server_process server{dir, db,
                        {{"server.http_threads", "2"},
                         {"rate_limit.enabled", "true"},
                         {"rate_limit.max_connections", "2"}}};
  server.start();
  {
    // Two slow clients hold both connection slots...
    idle_connection one{server.port()}, two{server.port()};
    bool turned_away = false;
    for (int attempt = 0; attempt < 50 && !turned_away; ++attempt) {
      auto res = server.get("/api/v1/health");
      if (res.status == 503) {
        turned_away = true;
        BOOST_TEST(res.error_code() == "unavailable");
        BOOST_TEST(res.headers.count("Retry-After") == 1u);
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    BOOST_TEST(turned_away, "a third connection should be turned away with 503");
  }
  // ...and once they are gone, requests are served again.
  bool served = false;
  for (int attempt = 0; attempt < 100 && !served; ++attempt) {
    served = server.get("/api/v1/health").status == 200;
    if (!served)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  BOOST_TEST(served);
}

BOOST_AUTO_TEST_SUITE_END()
