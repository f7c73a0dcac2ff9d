// The outbound client against real servers on loopback: loopback is blocked
// unless allowed, so each test chooses whether the server may be reached.
#include "net/outbound_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <thread>

#include "loopback_servers.hpp"
#include "tools/testkit/tesserad_process.hpp"

namespace {

namespace out = tessera::net::outbound;
namespace ip = tessera::ip_address;
using tessera::testkit::hold;
using tessera::testkit::ranges;
using tessera::testkit::silent_listener;
using tessera::testkit::test_server;
using namespace std::chrono_literals;

const std::vector<ip::range> loopback_allowed = ranges({"127.0.0.0/8", "::1"});

out::fetch_result fetch(const std::string& url, const std::vector<ip::range>& allow = {},
                        out::fetch_limits limits = {}) {
  return out::fetch(url, limits, allow);
}

std::string code_of(const out::fetch_result& result) {
  return std::string(out::to_string(result.error));
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(outbound_client)

BOOST_AUTO_TEST_CASE(an_allowed_endpoint_is_fetched) {
  test_server server;
  server.routes().Get("/.well-known/tessera-verify", [](const auto&, httplib::Response& res) {
    res.set_content(R"({"challenge":"abc","signature":"sig"})", "application/json");
  });
  server.start();
  auto result = fetch(server.url("/.well-known/tessera-verify?challenge=abc#frag"),
                      loopback_allowed);
  BOOST_TEST(result.ok(), result.error_message);
  BOOST_TEST(result.status == 200);
  BOOST_TEST(result.body == R"({"challenge":"abc","signature":"sig"})");
  BOOST_TEST(server.target() == "/.well-known/tessera-verify?challenge=abc");
  BOOST_TEST(server.host() == "127.0.0.1:" + std::to_string(server.port()));
}

// The connection goes to the address that was checked, yet the request names
// the host from the URL.
BOOST_AUTO_TEST_CASE(the_host_header_keeps_the_name) {
  test_server server;
  server.routes().Get("/", [](const auto&, httplib::Response& res) {
    res.set_content("hi", "text/plain");
  });
  server.start();
  auto result =
      fetch("http://LocalHost:" + std::to_string(server.port()) + "/", loopback_allowed);
  BOOST_TEST(result.ok(), result.error_message);
  BOOST_TEST(result.body == "hi");
  BOOST_TEST(server.host() == "localhost:" + std::to_string(server.port()));
}

BOOST_AUTO_TEST_CASE(a_blocked_endpoint_is_never_connected_to) {
  silent_listener listener;
  BOOST_TEST_REQUIRE(listener.usable());
  std::string url = "http://127.0.0.1:" + std::to_string(listener.port()) + "/";
  auto result = fetch(url);
  BOOST_TEST(code_of(result) == "address_blocked");
  BOOST_TEST(contains(result.error_message, "127.0.0.1"), result.error_message);
  BOOST_TEST(contains(result.error_message, "loopback"), result.error_message);
  BOOST_TEST(listener.connections() == 0);

  // The count is real: allowed, the same URL connects (and, never answered,
  // times out at a short total deadline).
  auto allowed = fetch(url, loopback_allowed, {.total = 300ms});
  BOOST_TEST(code_of(allowed) == "timeout");
  BOOST_TEST(listener.connections() == 1);
}

BOOST_AUTO_TEST_CASE(a_name_that_resolves_to_a_blocked_address_is_refused) {
  silent_listener listener;
  BOOST_TEST_REQUIRE(listener.usable());
  auto result = fetch("http://localhost:" + std::to_string(listener.port()) + "/");
  BOOST_TEST(code_of(result) == "address_blocked");
  BOOST_TEST(contains(result.error_message, "localhost resolves to"), result.error_message);
  BOOST_TEST(listener.connections() == 0);
}

BOOST_AUTO_TEST_CASE(ipv6_loopback_forms_are_blocked) {
  silent_listener v4;
  BOOST_TEST_REQUIRE(v4.usable());
  auto mapped = fetch("http://[::ffff:127.0.0.1]:" + std::to_string(v4.port()) + "/");
  BOOST_TEST(code_of(mapped) == "address_blocked");
  BOOST_TEST(contains(mapped.error_message, "loopback"), mapped.error_message);
  auto compatible = fetch("http://[::127.0.0.1]:" + std::to_string(v4.port()) + "/");
  BOOST_TEST(code_of(compatible) == "address_blocked");
  BOOST_TEST(v4.connections() == 0);

  silent_listener v6("::1");  // absent where the host has no IPv6 loopback
  int port = v6.usable() ? v6.port() : v4.port();
  auto loopback = fetch("http://[::1]:" + std::to_string(port) + "/");
  BOOST_TEST(code_of(loopback) == "address_blocked");
  BOOST_TEST(contains(loopback.error_message, "::1"), loopback.error_message);
  if (v6.usable()) BOOST_TEST(v6.connections() == 0);
}

BOOST_AUTO_TEST_CASE(redirects_are_refused_not_followed) {
  test_server second;
  second.routes().Get("/next", [](const auto&, httplib::Response& res) {
    res.set_content("no", "text/plain");
  });
  second.start();
  test_server first;
  first.routes().Get("/to-loopback", [&](const auto&, httplib::Response& res) {
    res.set_redirect(second.url("/next"));
  });
  first.routes().Get("/to-metadata", [](const auto&, httplib::Response& res) {
    res.set_redirect("http://169.254.169.254/latest/meta-data/", 301);
  });
  first.start();

  auto loopback = fetch(first.url("/to-loopback"), loopback_allowed);
  BOOST_TEST(code_of(loopback) == "redirect_refused");
  BOOST_TEST(loopback.status == 302);
  BOOST_TEST(contains(loopback.error_message, "redirecting to 127.0.0.1"), loopback.error_message);
  auto metadata = fetch(first.url("/to-metadata"), loopback_allowed);
  BOOST_TEST(code_of(metadata) == "redirect_refused");
  BOOST_TEST(contains(metadata.error_message, "169.254.169.254"), metadata.error_message);
  BOOST_TEST(second.requests() == 0);
}

// The default 5 s deadline against a server that would answer after 7 s.
BOOST_AUTO_TEST_CASE(a_slow_server_times_out) {
  hold slow;
  test_server server;
  server.routes().Get("/", [&](const auto&, httplib::Response& res) {
    slow.wait(7s);
    res.set_content("late", "text/plain");
  });
  server.start();
  auto result = fetch(server.url("/"), loopback_allowed);
  BOOST_TEST(code_of(result) == "timeout");
  BOOST_TEST(!slow.finished);  // the call returned before the server was done
  slow.release();
}

// A byte now and then keeps every single read within httplib's per-read
// timeout; only a total deadline ends this.
BOOST_AUTO_TEST_CASE(a_trickling_server_hits_the_total_deadline) {
  hold trickle;
  test_server server;
  server.routes().Get("/", [&](const auto&, httplib::Response& res) {
    res.set_chunked_content_provider("text/plain", [&](size_t sent, httplib::DataSink& sink) {
      if (sent == 8) {
        trickle.finished = true;
        sink.done();
        return true;
      }
      std::unique_lock lock(trickle.mutex);
      if (trickle.released_cv.wait_for(lock, 300ms, [&] { return trickle.released; }))
        return false;
      return sink.write("x", 1);
    });
  });
  server.start();
  auto result = fetch(server.url("/"), loopback_allowed, {.total = 1s});
  BOOST_TEST(code_of(result) == "timeout");
  BOOST_TEST(!trickle.finished);
  trickle.release();
}

BOOST_AUTO_TEST_CASE(bodies_are_limited_to_4_kib) {
  test_server server;
  for (size_t size : {4095, 4096, 4097, 5 * 1024}) {
    server.routes().Get("/" + std::to_string(size), [size](const auto&, httplib::Response& res) {
      res.set_content(std::string(size, 'a'), "text/plain");
    });
  }
  server.start();
  auto exact = fetch(server.url("/4096"), loopback_allowed);
  BOOST_TEST(exact.ok(), exact.error_message);
  BOOST_TEST(exact.body.size() == 4096u);
  BOOST_TEST(fetch(server.url("/4095"), loopback_allowed).ok());
  auto over = fetch(server.url("/4097"), loopback_allowed);
  BOOST_TEST(code_of(over) == "too_large");
  auto large = fetch(server.url("/5120"), loopback_allowed);
  BOOST_TEST(code_of(large) == "too_large");
  BOOST_TEST(large.body.empty());
  BOOST_TEST(contains(large.error_message, "4096 bytes"), large.error_message);
}

BOOST_AUTO_TEST_CASE(statuses_outside_2xx_fail) {
  test_server server;
  server.routes().Get("/gone", [](const auto&, httplib::Response& res) {
    res.status = 404;
    res.set_content("not here", "text/plain");
  });
  server.start();
  auto result = fetch(server.url("/gone"), loopback_allowed);
  BOOST_TEST(code_of(result) == "bad_status");
  BOOST_TEST(result.status == 404);
  BOOST_TEST(result.body.empty());
}

BOOST_AUTO_TEST_CASE(only_http_and_https_are_fetched) {
  for (const char* url : {"ftp://example.com/file", "file:///etc/passwd", "gopher://example.com/",
                          "FILE:///etc/passwd", "data://text/plain,hi"}) {
    auto result = fetch(url, loopback_allowed);
    BOOST_TEST(code_of(result) == "scheme_not_allowed", url);
  }
}

BOOST_AUTO_TEST_CASE(malformed_urls_are_refused) {
  for (const char* url :
       {"http://user:pw@example.com/", "http://user@example.com/", "http://example.com:0/",
        "http://example.com:65536/", "http://example.com:/", "http://example.com:8o/",
        "http:///path", "http://", "http://[fe80::1%25eth0]/", "http://[fe80::1%eth0]:80/",
        "http://[::1/", "http://[127.0.0.1]/", "http://ex\xc3\xa4mple.com/",
        "http://example.com/a b", "http://127.1/", "http://0x7f.0.0.1/", "http://2130706433/",
        "http://-example.com/", "http://exa_mple.com/", "http://example..com/",
        "example.com/path", "//example.com/", "not a url", ""}) {
    auto result = fetch(url, loopback_allowed);
    BOOST_TEST(code_of(result) == "bad_url", url);
  }
}

BOOST_AUTO_TEST_CASE(failures_to_resolve_and_connect_are_named) {
  auto unknown = fetch("http://no-such-host.invalid/");
  BOOST_TEST(code_of(unknown) == "resolve_failed");
  auto closed = fetch("http://127.0.0.1:" + std::to_string(tessera::testkit::free_port()) + "/",
                      loopback_allowed);
  BOOST_TEST(code_of(closed) == "connect_failed");
}

// The certificate is checked: a self-signed one fails before any request.
BOOST_AUTO_TEST_CASE(https_verifies_the_certificate) {
  tessera::testkit::temp_dir dir;
  auto cert = (dir.path / "cert.pem").string(), key = (dir.path / "key.pem").string();
  std::string command = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
                        "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
                        key + " -out " + cert + " 2>/dev/null";
  BOOST_TEST_REQUIRE(std::system(command.c_str()) == 0);
  httplib::SSLServer tls(cert.c_str(), key.c_str());
  test_server server(&tls);
  server.routes().Get("/", [](const auto&, httplib::Response& res) {
    res.set_content("hi", "text/plain");
  });
  server.start();
  auto result = fetch(server.url("/", "https"), loopback_allowed);
  BOOST_TEST(code_of(result) == "connect_failed");
  BOOST_TEST(contains(result.error_message, "TLS"), result.error_message);
  BOOST_TEST(server.requests() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
