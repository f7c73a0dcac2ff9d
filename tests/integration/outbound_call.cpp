// The bridge's outbound calls (net/outbound_call) against real servers on
// loopback: bodies streamed as they arrive, statuses passed on, and every
// bound -- blocked addresses, redirects, the head deadline, silence, the size
// and duration caps, cancelling -- ending the call with its reason.
#include "net/outbound_call.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <future>
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

// What a call reported, in order.
struct outcome {
  std::mutex mutex;
  int heads = 0;
  out::response_head head;
  std::vector<std::string> pieces;
  out::failure end;
  std::promise<void> ended;

  std::string body() {
    std::lock_guard lock(mutex);
    std::string all;
    for (const auto& p : pieces) all += p;
    return all;
  }
  std::string code() const { return std::string(out::to_string(end.code)); }
};

// An io_context with one thread, as the node runs the bridge's calls.
class io_thread {
public:
  io_thread() : work_(io_.get_executor()), thread_([this] { io_.run(); }) {}
  ~io_thread() {
    work_.reset();
    io_.stop();
    thread_.join();
  }
  boost::asio::io_context& io() { return io_; }

private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

// Starts a call; `cancel_after_first_piece` cancels it from the test's thread
// once the first piece of body has arrived.
std::shared_ptr<outcome> call(io_thread& io, out::call_request request, out::call_limits limits,
                              const std::vector<ip::range>& allow = loopback_allowed,
                              bool cancel_after_first_piece = false) {
  auto result = std::make_shared<outcome>();
  auto first_piece = std::make_shared<std::promise<void>>();
  out::call_events events;
  events.on_head = [result](const out::response_head& head) {
    std::lock_guard lock(result->mutex);
    ++result->heads;
    result->head = head;
  };
  events.on_body = [result, first_piece](std::string_view piece) {
    std::lock_guard lock(result->mutex);
    if (result->pieces.empty()) first_piece->set_value();
    result->pieces.emplace_back(piece);
  };
  events.on_end = [result](const out::failure& end) {
    result->end = end;
    result->ended.set_value();
  };
  auto handle = out::start_call(io.io(), std::move(request), limits, allow, std::move(events));
  if (cancel_after_first_piece) {
    BOOST_TEST_REQUIRE((first_piece->get_future().wait_for(10s) == std::future_status::ready));
    handle->cancel();
  }
  BOOST_TEST_REQUIRE((result->ended.get_future().wait_for(20s) == std::future_status::ready));
  return result;
}

out::call_request post(const std::string& url, std::string body = "{}") {
  out::call_request request;
  request.url = url;
  request.headers = {{"Content-Type", "application/json"}, {"X-Caller", "tester"}};
  request.body = std::move(body);
  return request;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A body of `pieces` chunks, one every `gap`; `forever` never ends it.
void streaming_route(test_server& server, int pieces, std::chrono::milliseconds gap,
                     bool forever = false) {
  server.routes().Post("/stream", [=](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider(
        "text/event-stream", [=, sent = 0](size_t, httplib::DataSink& sink) mutable {
          if (!forever && sent == pieces) {
            sink.done();
            return true;
          }
          if (sent > 0) std::this_thread::sleep_for(gap);
          auto event = "data: " + std::to_string(sent++) + "\n\n";
          return sink.write(event.data(), event.size());
        });
  });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(outbound_call)

BOOST_AUTO_TEST_CASE(a_streamed_body_arrives_piece_by_piece) {
  test_server server;
  std::string seen_body, seen_header;
  server.routes().Post("/echo", [&](const httplib::Request& req, httplib::Response& res) {
    seen_body = req.body;
    seen_header = req.get_header_value("X-Caller");
    res.set_content("ok", "text/plain");
  });
  streaming_route(server, 3, 150ms);
  server.start();
  io_thread io;

  auto echo = call(io, post(server.url("/echo"), R"({"a":1})"), {});
  BOOST_TEST(echo->code() == "none", echo->end.message);
  BOOST_TEST(echo->head.status == 200);
  BOOST_TEST(echo->body() == "ok");
  BOOST_TEST(seen_body == R"({"a":1})");
  BOOST_TEST(seen_header == "tester");
  BOOST_TEST(server.host() == "127.0.0.1:" + std::to_string(server.port()));

  auto stream = call(io, post(server.url("/stream")), {});
  BOOST_TEST(stream->code() == "none", stream->end.message);
  BOOST_TEST(stream->heads == 1);
  BOOST_TEST(stream->head.header("content-type") == "text/event-stream");
  BOOST_TEST(stream->body() == "data: 0\n\ndata: 1\n\ndata: 2\n\n");
  // 150 ms apart, the events can't all have come in one read.
  BOOST_TEST(stream->pieces.size() >= 3u);
}

BOOST_AUTO_TEST_CASE(statuses_other_than_2xx_are_passed_on) {
  test_server server;
  server.routes().Post("/missing", [](const auto&, httplib::Response& res) {
    res.status = 404;
    res.set_content(R"({"error":"unknown session"})", "application/json");
  });
  server.start();
  io_thread io;
  auto result = call(io, post(server.url("/missing")), {});
  BOOST_TEST(result->code() == "none", result->end.message);
  BOOST_TEST(result->head.status == 404);
  BOOST_TEST(result->body() == R"({"error":"unknown session"})");
}

BOOST_AUTO_TEST_CASE(a_blocked_address_is_never_connected_to) {
  silent_listener listener;
  BOOST_TEST_REQUIRE(listener.usable());
  io_thread io;
  auto url = "http://127.0.0.1:" + std::to_string(listener.port()) + "/mcp";
  auto result = call(io, post(url), {}, {});
  BOOST_TEST(result->code() == "address_blocked");
  BOOST_TEST(contains(result->end.message, "security.allow_cidrs"), result->end.message);
  BOOST_TEST(result->heads == 0);
  BOOST_TEST(listener.connections() == 0);

  auto named = call(io, post("http://localhost:" + std::to_string(listener.port()) + "/"), {},
                    {});
  BOOST_TEST(named->code() == "address_blocked");
  BOOST_TEST(listener.connections() == 0);
}

BOOST_AUTO_TEST_CASE(a_redirect_is_not_followed) {
  test_server elsewhere;
  elsewhere.routes().Post("/", [](const auto&, httplib::Response& res) {
    res.set_content("followed", "text/plain");
  });
  elsewhere.start();
  test_server server;
  server.routes().Post("/moved", [&](const auto&, httplib::Response& res) {
    res.status = 307;
    res.set_header("Location", elsewhere.url("/"));
    res.set_content("moved", "text/plain");
  });
  server.start();
  io_thread io;
  auto result = call(io, post(server.url("/moved")), {});
  BOOST_TEST(result->code() == "redirect_refused");
  BOOST_TEST(contains(result->end.message, "307"), result->end.message);
  BOOST_TEST(result->heads == 0);
  BOOST_TEST(elsewhere.requests() == 0);
}

BOOST_AUTO_TEST_CASE(a_backend_that_never_answers_hits_the_head_timeout) {
  silent_listener listener;  // connections complete, nothing is ever read or written
  BOOST_TEST_REQUIRE(listener.usable());
  io_thread io;
  out::call_limits limits;
  limits.head_timeout = 300ms;
  auto result =
      call(io, post("http://127.0.0.1:" + std::to_string(listener.port()) + "/"), limits);
  BOOST_TEST(result->code() == "timeout");
  BOOST_TEST(contains(result->end.message, "300 ms"), result->end.message);
  BOOST_TEST(listener.connections() == 1);
}

BOOST_AUTO_TEST_CASE(a_silent_stream_hits_the_idle_timeout) {
  test_server server;
  hold silence;
  server.routes().Post("/quiet", [&](const auto&, httplib::Response& res) {
    res.set_chunked_content_provider("text/event-stream",
                                     [&, sent = false](size_t, httplib::DataSink& sink) mutable {
                                       if (sent) {
                                         silence.wait(5s);
                                         return false;
                                       }
                                       sent = true;
                                       return sink.write("data: hi\n\n", 10);
                                     });
  });
  server.start();
  io_thread io;
  out::call_limits limits;
  limits.idle_timeout = 300ms;
  auto result = call(io, post(server.url("/quiet")), limits);
  silence.release();
  BOOST_TEST(result->code() == "timeout");
  BOOST_TEST(contains(result->end.message, "sent nothing for 300 ms"), result->end.message);
  BOOST_TEST(result->body() == "data: hi\n\n");
}

BOOST_AUTO_TEST_CASE(an_endless_stream_is_cut_at_the_size_cap) {
  test_server server;
  streaming_route(server, 0, 0ms, true);
  server.start();
  io_thread io;
  out::call_limits limits;
  limits.max_body_bytes = 64 * 1024;
  auto result = call(io, post(server.url("/stream")), limits);
  BOOST_TEST(result->code() == "too_large");
  BOOST_TEST(result->body().size() <= limits.max_body_bytes);
  BOOST_TEST(result->body().size() > limits.max_body_bytes / 2);
}

BOOST_AUTO_TEST_CASE(an_endless_stream_is_cut_at_the_duration_cap) {
  test_server server;
  streaming_route(server, 0, 50ms, true);
  server.start();
  io_thread io;
  out::call_limits limits;
  limits.max_duration = 600ms;
  auto result = call(io, post(server.url("/stream")), limits);
  BOOST_TEST(result->code() == "timeout");
  BOOST_TEST(contains(result->end.message, "did not finish its answer within 600 ms"),
             result->end.message);
  BOOST_TEST(result->pieces.size() >= 2u);
}

BOOST_AUTO_TEST_CASE(a_cancelled_call_ends_at_once) {
  test_server server;
  streaming_route(server, 0, 100ms, true);
  server.start();
  io_thread io;
  auto result = call(io, post(server.url("/stream")), {}, loopback_allowed, true);
  BOOST_TEST(result->code() == "cancelled");
  BOOST_TEST(result->heads == 1);
}

BOOST_AUTO_TEST_CASE(urls_are_checked_before_anything_is_sent) {
  io_thread io;
  auto ftp = call(io, post("ftp://example.com/"), {});
  BOOST_TEST(ftp->code() == "scheme_not_allowed");
  auto credentials = call(io, post("http://user:pw@example.com/"), {});
  BOOST_TEST(credentials->code() == "bad_url");
}

BOOST_AUTO_TEST_CASE(https_verifies_the_certificate) {
  tessera::testkit::temp_dir dir;
  auto cert = (dir.path / "cert.pem").string(), key = (dir.path / "key.pem").string();
  std::string command = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
                        "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
                        key + " -out " + cert + " 2>/dev/null";
  BOOST_TEST_REQUIRE(std::system(command.c_str()) == 0);
  httplib::SSLServer tls(cert.c_str(), key.c_str());
  test_server server(&tls);
  server.routes().Post("/", [](const auto&, httplib::Response& res) {
    res.set_content("hi", "text/plain");
  });
  server.start();
  io_thread io;
  auto result = call(io, post(server.url("/", "https")), {});
  BOOST_TEST(result->code() == "connect_failed");
  BOOST_TEST(contains(result->end.message, "TLS"), result->end.message);
  BOOST_TEST(server.requests() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
