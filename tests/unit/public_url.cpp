// The URLs the server hands out come from configuration (server.public_url,
// signaling.public_url, the listener addresses), never from a request.
#include <boost/test/unit_test.hpp>

#include "config/load.hpp"
#include "config/public_url.hpp"

using namespace tessera::config;

namespace {

settings with(std::string http_addr, std::string public_url = "", std::string ws_addr = "") {
  settings s;
  s.server.http_addr = std::move(http_addr);
  s.server.public_url = std::move(public_url);
  s.signaling.ws_addr = std::move(ws_addr);
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(public_url)

BOOST_AUTO_TEST_CASE(origin_is_the_configured_one_else_the_listener) {
  BOOST_TEST(public_origin(with(":8080", "https://tessera.example.com")) == "https://tessera.example.com");
  BOOST_TEST(public_origin(with("127.0.0.1:9000")) == "http://127.0.0.1:9000");
  BOOST_TEST(public_origin(with("[::1]:9000")) == "http://[::1]:9000");
  // Every interface: no name to give but the local one.
  BOOST_TEST(public_origin(with(":8080")) == "http://localhost:8080");
  BOOST_TEST(public_origin(with("0.0.0.0:8080")) == "http://localhost:8080");
  BOOST_TEST(public_origin(with("[::]:8080")) == "http://localhost:8080");
}

BOOST_AUTO_TEST_CASE(signaling_url_follows_the_origin_and_its_listener) {
  BOOST_TEST(signaling_url(with("127.0.0.1:9000")) == "ws://127.0.0.1:9000/api/v1/signaling");
  BOOST_TEST(signaling_url(with(":8080", "https://tessera.example.com")) ==
             "wss://tessera.example.com/api/v1/signaling");
  BOOST_TEST(signaling_url(with(":8080", "http://tessera.example.com:8000")) ==
             "ws://tessera.example.com:8000/api/v1/signaling");
  // A listener of its own: its port, on the public host or else its own.
  BOOST_TEST(signaling_url(with(":8080", "https://tessera.example.com:8443", ":8081")) ==
             "wss://tessera.example.com:8081/api/v1/signaling");
  BOOST_TEST(signaling_url(with(":8080", "https://[2001:db8::1]:8443", ":8081")) ==
             "wss://[2001:db8::1]:8081/api/v1/signaling");
  BOOST_TEST(signaling_url(with("127.0.0.1:8080", "", "127.0.0.2:8081")) ==
             "ws://127.0.0.2:8081/api/v1/signaling");
  BOOST_TEST(signaling_url(with("127.0.0.1:8080", "", ":8081")) == "ws://localhost:8081/api/v1/signaling");
  auto s = with(":8080", "https://tessera.example.com", ":8081");
  s.signaling.public_url = "wss://signal.example.com/ws";
  BOOST_TEST(signaling_url(s) == "wss://signal.example.com/ws");
}

BOOST_AUTO_TEST_CASE(public_url_must_be_an_origin) {
  auto env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  for (const char* bad : {"*", "tessera.example.com", "https://tessera.example.com/path", "ftp://x.example",
                          "https://bad host"}) {
    auto r = load_yaml(std::string("server:\n  public_url: \"") + bad + "\"\n", env);
    BOOST_TEST_REQUIRE(r.errors.size() == 1u, bad);
    BOOST_TEST(r.errors.front().key == "server.public_url", bad);
  }
  auto r = load_yaml("server:\n  public_url: \"https://tessera.example.com:8443\"\n", env);
  BOOST_TEST(r.errors.empty());
  BOOST_TEST(r.value.server.public_url == "https://tessera.example.com:8443");
}

BOOST_AUTO_TEST_SUITE_END()
