// The event-stream reader, fed as bytes arrive.
#include "protocol/sse.hpp"

#include <boost/test/unit_test.hpp>

#include <stdexcept>

using tessera::sse::parser;

BOOST_AUTO_TEST_SUITE(sse)

BOOST_AUTO_TEST_CASE(events_end_at_an_empty_line_whatever_the_chunks) {
  std::string stream = "retry: 3000\n\n: ping\n\nid: 7\nevent: agent_online\ndata: {\"a\":1}\n\n"
                       "data: one\ndata: two\n\n";
  for (size_t piece : {1u, 3u, 1000u}) {
    parser p;
    std::vector<tessera::sse::event> all;
    for (size_t at = 0; at < stream.size(); at += piece)
      for (auto& e : p.feed(std::string_view(stream).substr(at, piece)))
        all.push_back(e);
    BOOST_REQUIRE_EQUAL(all.size(), 2u);
    BOOST_TEST(all[0].id == "7");
    BOOST_TEST(all[0].type == "agent_online");
    BOOST_TEST(all[0].data == "{\"a\":1}");
    BOOST_TEST(all[1].type == "message");
    BOOST_TEST(all[1].data == "one\ntwo");
    BOOST_TEST(all[1].id == "7");  // the id carries over
    BOOST_TEST(p.retry_ms().value() == 3000);
  }
}

BOOST_AUTO_TEST_CASE(crlf_and_cr_end_lines_too) {
  parser p;
  auto events = p.feed("event: a\r\ndata: x\r\n\r\nevent: b\rdata: y\r\r");
  BOOST_REQUIRE_EQUAL(events.size(), 2u);
  BOOST_TEST(events[0].type == "a");
  BOOST_TEST(events[1].data == "y");
}

BOOST_AUTO_TEST_CASE(an_event_without_data_is_not_dispatched) {
  parser p;
  BOOST_TEST(p.feed("event: nothing\n\nid: 3\n\n").empty());
  BOOST_TEST(p.last_id() == "3");
}

BOOST_AUTO_TEST_CASE(an_endless_event_is_refused) {
  parser p(64);
  BOOST_CHECK_THROW(p.feed("data: " + std::string(100, 'x')), std::length_error);
}

BOOST_AUTO_TEST_SUITE_END()
