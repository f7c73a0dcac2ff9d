// The signaling WebSocket as a transport, against a real tesserad: the HTTP
// routes that point clients to it, what its port answers to anything but an
// upgrade, and how Beast's limits end a connection (frame size, binary frames,
// max_connections, idle keepalive, server shutdown). These run on the optional
// listener of its own (signaling.ws_addr); signaling.cpp and the rest use the
// HTTP port.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/test/unit_test.hpp>
#include <poll.h>

#include <thread>

#include "protocol/signal_frame.hpp"
#include "support.hpp"
#include "tools/testkit/ws_client.hpp"

using namespace tessera;
using namespace tessera::test;
using namespace std::chrono_literals;
using json = nlohmann::json;
using testkit::ws_client;

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

using settings_map = std::map<std::string, std::string>;

struct started {
  temp_dir dir;
  test_database db{dir};
  server_process server;

  explicit started(settings_map settings = {})
      : server(dir, db, std::move(settings), ws_listener::own_port) {
    server.start();
  }

  std::string ws_url() const {
    return "ws://127.0.0.1:" + std::to_string(server.ws_port()) + "/api/v1/signaling";
  }
};

/// A raw Beast WebSocket to the server (for what ws_client doesn't do).
struct raw_ws {
  net::io_context ioc;
  websocket::stream<tcp::socket> ws{ioc};

  explicit raw_ws(int port) {
    ws.next_layer().connect({net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
    ws.handshake("127.0.0.1:" + std::to_string(port), "/api/v1/signaling");
  }

  /// Reads frames until the server closes; its close code (0: none).
  uint16_t read_until_closed() {
    beast::flat_buffer buffer;
    beast::error_code e;
    while (!e) {
      ws.read(buffer, e);
      buffer.consume(buffer.size());
    }
    return static_cast<uint16_t>(ws.reason().code);
  }
};

/// Waits up to `limit` until `fd` has something to read.
bool readable(int fd, std::chrono::milliseconds limit) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(limit.count())) == 1;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(signaling_transport)

BOOST_AUTO_TEST_CASE(http_route_answers_426_with_the_websocket_url) {
  started n;
  auto res = n.server.get("/api/v1/signaling");
  BOOST_TEST(res.status == 426);
  BOOST_TEST(res.error_code() == "upgrade_required");
  BOOST_TEST(res.json()["url"] == n.ws_url());
  auto upgrade = res.headers.find("Upgrade");
  BOOST_REQUIRE(upgrade != res.headers.end());
  BOOST_TEST(upgrade->second == "websocket");

  // The URL comes from configuration, never from the request: a forged Host is not
  // echoed (a cache in front could keep the answer and hand it to everyone).
  for (const char* host : {"gateway.example:443", "[::1]:8080", "evil.example/\"><script>"}) {
    res = n.server.get("/api/v1/signaling", {{"Host", host}});
    BOOST_TEST(res.json()["url"] == n.ws_url(), host);
    BOOST_TEST(n.server.get("/api/v1/signaling/info", {{"Host", host}}).json()["url"] == n.ws_url(), host);
  }
}

BOOST_AUTO_TEST_CASE(server_public_url_names_the_host) {
  started n(settings_map{{"server.public_url", "https://gateway.example"}});
  // wss for https, the port of the WebSocket's own listener.
  auto expected = "wss://gateway.example:" + std::to_string(n.server.ws_port()) + "/api/v1/signaling";
  BOOST_TEST(n.server.get("/api/v1/signaling").json()["url"] == expected);
  BOOST_TEST(n.server.get("/api/v1/signaling/info", {{"Host", "evil.example"}}).json()["url"] == expected);
}

BOOST_AUTO_TEST_CASE(public_url_overrides_the_derived_one) {
  started n(settings_map{{"signaling.public_url", "wss://signal.example/api/v1/signaling"}});
  BOOST_TEST(n.server.get("/api/v1/signaling").json()["url"] ==
             "wss://signal.example/api/v1/signaling");
  BOOST_TEST(n.server.get("/api/v1/signaling/info").json()["url"] ==
             "wss://signal.example/api/v1/signaling");
}

BOOST_AUTO_TEST_CASE(info_describes_the_endpoint_and_its_limits) {
  started n(settings_map{{"signaling.max_frame_bytes", "2048"}, {"signaling.require_contacts", "false"}});
  auto res = n.server.get("/api/v1/signaling/info");
  BOOST_REQUIRE_EQUAL(res.status, 200);
  auto info = res.json();
  BOOST_TEST(info["url"] == n.ws_url());
  BOOST_TEST(info["protocol"] == "tessera-signal-v1");
  BOOST_TEST(info["auth"]["message"] == "tessera-signal-v1:<nonce>:<agent id>");
  BOOST_TEST(info["auth"]["timeout_ms"] == 5000);
  auto types = info["frame_types"];
  for (const char* t : {"challenge", "auth", "config", "offer", "answer", "ice_candidate",
                        "relay_open", "relay_data", "relay_close", "notification", "error"})
    BOOST_TEST((std::find(types.begin(), types.end(), t) != types.end()), t);
  BOOST_TEST(info["limits"]["max_frame_bytes"] == 2048);
  BOOST_TEST(info["limits"]["frame_burst"] == 20);
  BOOST_TEST(info["limits"]["idle_timeout_ms"] == 60000);
  BOOST_TEST(info["require_contacts"] == false);
  BOOST_TEST(info["broker"] == "local");
  BOOST_TEST(info["node_id"].is_string());
  BOOST_TEST(!info["node_id"].get<std::string>().empty());
}

BOOST_AUTO_TEST_CASE(disabled_signaling_has_no_routes_and_no_listener) {
  started n(settings_map{{"signaling.enabled", "false"}});
  BOOST_TEST(n.server.get("/api/v1/signaling").status == 404);
  BOOST_TEST(n.server.get("/api/v1/signaling/info").status == 404);
  ws_client c;
  BOOST_TEST(!c.connect(n.server.ws_port()));
}

BOOST_AUTO_TEST_CASE(ws_port_refuses_other_paths_and_plain_requests) {
  started n;
  httplib::Client http("127.0.0.1", n.server.ws_port());
  auto other = http.Get("/api/v1/health");
  BOOST_REQUIRE(other);
  BOOST_TEST(other->status == 404);
  BOOST_TEST(json::parse(other->body)["error"]["code"] == "not_found");

  auto plain = http.Get("/api/v1/signaling");
  BOOST_REQUIRE(plain);
  BOOST_TEST(plain->status == 426);
  BOOST_TEST(plain->get_header_value("Upgrade") == "websocket");
  BOOST_TEST(json::parse(plain->body)["url"] == n.ws_url());

  // An upgrade to another path is refused too.
  ws_client c;
  int status = 0;
  BOOST_TEST(!c.connect(n.server.ws_port(), "/api/v1/other", &status));
  BOOST_TEST(status == 404);
}

BOOST_AUTO_TEST_CASE(a_frame_over_max_frame_bytes_closes_with_1009) {
  started n(settings_map{{"signaling.max_frame_bytes", "2048"}});
  ws_client c;
  BOOST_REQUIRE(c.connect(n.server.ws_port()));
  BOOST_REQUIRE(c.receive_type("challenge"));
  BOOST_REQUIRE(c.send(std::string(4096, 'x')));
  BOOST_REQUIRE(c.wait_closed(10s));
  BOOST_TEST(c.close_code() == signal::close_code::too_big);
}

BOOST_AUTO_TEST_CASE(a_binary_frame_closes_with_1003) {
  started n;
  raw_ws raw(n.server.ws_port());
  raw.ws.binary(true);
  raw.ws.write(net::buffer(std::string("\x01\x02\x03", 3)));
  BOOST_TEST(raw.read_until_closed() == 1003);
}

BOOST_AUTO_TEST_CASE(max_connections_refuses_the_next_upgrade_with_503) {
  started n(settings_map{{"signaling.max_connections", "2"}});
  auto first = std::make_unique<ws_client>();
  ws_client second;
  BOOST_REQUIRE(first->connect(n.server.ws_port()));
  BOOST_REQUIRE(second.connect(n.server.ws_port()));

  ws_client third;
  int status = 0;
  BOOST_TEST(!third.connect(n.server.ws_port(), "/api/v1/signaling", &status));
  BOOST_TEST(status == 503);

  httplib::Client http("127.0.0.1", n.server.ws_port());
  httplib::Headers upgrade{{"Connection", "Upgrade"},
                           {"Upgrade", "websocket"},
                           {"Sec-WebSocket-Version", "13"},
                           {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}};
  auto refused = http.Get("/api/v1/signaling", upgrade);
  BOOST_REQUIRE(refused);
  BOOST_TEST(refused->status == 503);
  BOOST_TEST(refused->get_header_value("Retry-After") == "1");

  // A closed connection frees its place.
  first->close();
  first.reset();
  bool admitted = false;
  for (int i = 0; i < 50 && !admitted; ++i) {
    ws_client again;
    admitted = again.connect(n.server.ws_port());
    if (!admitted)
      std::this_thread::sleep_for(100ms);
  }
  BOOST_TEST(admitted);
}

BOOST_AUTO_TEST_CASE(a_client_that_stops_answering_pings_is_dropped) {
  started n(settings_map{{"signaling.idle_timeout", "1s"}, {"signaling.auth_timeout", "60s"}});
  // A client that answers pings (ws_client reads all the time) stays.
  ws_client answering;
  BOOST_REQUIRE(answering.connect(n.server.ws_port()));

  // One that never reads through its WebSocket never answers them: read its
  // raw bytes until the server drops it.
  raw_ws silent(n.server.ws_port());
  auto& sock = silent.ws.next_layer();
  int fd = sock.native_handle();
  bool dropped = false;
  std::vector<unsigned char> bytes;
  for (int i = 0; i < 150 && !dropped; ++i) {
    if (!readable(fd, 100ms))
      continue;
    unsigned char chunk[4096];
    auto got = ::recv(fd, chunk, sizeof chunk, 0);
    if (got <= 0) {
      dropped = true;
      break;
    }
    bytes.insert(bytes.end(), chunk, chunk + got);
  }
  // 0x89 opens a ping frame (FIN + opcode 9); the text frames here are ASCII JSON.
  bool saw_ping = std::find(bytes.begin(), bytes.end(), 0x89) != bytes.end();
  BOOST_TEST(saw_ping);
  BOOST_TEST(dropped);
  BOOST_TEST(!answering.closed());
}

BOOST_AUTO_TEST_CASE(sigterm_closes_live_connections_with_1001) {
  started n;
  ws_client a, b;
  BOOST_REQUIRE(a.connect(n.server.ws_port()));
  BOOST_REQUIRE(b.connect(n.server.ws_port()));
  BOOST_REQUIRE(a.receive_type("challenge"));
  BOOST_TEST(n.server.stop(SIGTERM) == 0);
  BOOST_REQUIRE(a.wait_closed(10s));
  BOOST_REQUIRE(b.wait_closed(10s));
  BOOST_TEST(a.close_code() == signal::close_code::going_away);
  BOOST_TEST(b.close_code() == signal::close_code::going_away);
}

BOOST_AUTO_TEST_CASE(an_authenticated_connection_is_closed_with_1001_too) {
  started n;
  agent a;
  BOOST_REQUIRE_EQUAL(a.register_at(n.server, a.sign(a.card())).status, 201);
  ws_client c;
  BOOST_REQUIRE(c.connect(n.server.ws_port()));
  std::string why;
  auto config = testkit::authenticate(c, a.id, a.key.secret_key, &why);
  BOOST_REQUIRE_MESSAGE(config.has_value(), why);
  BOOST_TEST((*config)["ice_servers"].is_array());
  BOOST_REQUIRE(c.send_json({{"type", "ping"}, {"id", 7}}));
  auto pong = c.receive_type("pong");
  BOOST_REQUIRE(pong);
  BOOST_TEST((*pong)["id"] == 7);
  BOOST_TEST(n.server.stop(SIGTERM) == 0);
  BOOST_REQUIRE(c.wait_closed(10s));
  BOOST_TEST(c.close_code() == signal::close_code::going_away);
}

BOOST_AUTO_TEST_SUITE_END()
