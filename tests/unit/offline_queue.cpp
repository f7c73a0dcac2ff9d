#include "protocol/offline_queue.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace {

using tessera::signal_envelope;
using queue = tessera::signal::offline_queue;

signal_envelope frame(std::string to, std::string text, int64_t at,
                      std::string from = "sender") {
  signal_envelope e;
  e.to = std::move(to);
  e.from = std::move(from);
  e.type = "notification";
  e.text = std::move(text);
  e.at = at;
  return e;
}

std::vector<std::string> texts(const std::vector<signal_envelope>& es) {
  std::vector<std::string> out;
  for (const auto& e : es) out.push_back(e.text);
  return out;
}

using strings = std::vector<std::string>;

}  // namespace

BOOST_AUTO_TEST_SUITE(offline_queue)

BOOST_AUTO_TEST_CASE(take_returns_an_agents_frames_oldest_first_and_removes_them) {
  queue q(10, 1000, 100);
  BOOST_TEST(q.push(frame("a", "1", 100)) == queue::queued);
  BOOST_TEST(q.push(frame("b", "x", 110)) == queue::queued);
  BOOST_TEST(q.push(frame("a", "2", 120)) == queue::queued);
  BOOST_TEST(q.size() == 3u);
  BOOST_TEST(q.agents() == 2u);

  std::vector<signal_envelope> expired;
  BOOST_TEST(texts(q.take("a", 500, expired)) == (strings{"1", "2"}), boost::test_tools::per_element());
  BOOST_TEST(expired.empty());
  BOOST_TEST(q.size() == 1u);
  BOOST_TEST(q.agents() == 1u);
  BOOST_TEST(q.take("a", 500, expired).empty());
  BOOST_TEST(texts(q.take("b", 500, expired)) == (strings{"x"}), boost::test_tools::per_element());
  BOOST_TEST(q.size() == 0u);
  BOOST_TEST(q.agents() == 0u);
}

BOOST_AUTO_TEST_CASE(take_of_an_unknown_agent_is_empty) {
  queue q(10, 1000, 100);
  std::vector<signal_envelope> expired;
  BOOST_TEST(q.take("nobody", 0, expired).empty());
  BOOST_TEST(expired.empty());
  BOOST_TEST(q.agents() == 0u);
}

BOOST_AUTO_TEST_CASE(a_full_agent_queue_refuses_without_touching_others) {
  queue q(2, 1000, 100);
  BOOST_TEST(q.push(frame("a", "1", 0)) == queue::queued);
  BOOST_TEST(q.push(frame("a", "2", 0)) == queue::queued);
  BOOST_TEST(q.push(frame("a", "3", 0)) == queue::full);
  BOOST_TEST(q.push(frame("b", "x", 0)) == queue::queued);
  BOOST_TEST(q.size() == 3u);
  std::vector<signal_envelope> expired;
  // The refused frame is gone; the first two are kept.
  BOOST_TEST(texts(q.take("a", 0, expired)) == (strings{"1", "2"}), boost::test_tools::per_element());
  // Room again once taken.
  BOOST_TEST(q.push(frame("a", "4", 0)) == queue::queued);
}

BOOST_AUTO_TEST_CASE(the_total_bound_holds_across_agents) {
  queue q(10, 1000, 3);
  BOOST_TEST(q.push(frame("a", "1", 0)) == queue::queued);
  BOOST_TEST(q.push(frame("b", "2", 0)) == queue::queued);
  BOOST_TEST(q.push(frame("c", "3", 0)) == queue::queued);
  BOOST_TEST(q.push(frame("d", "4", 0)) == queue::full);
  BOOST_TEST(q.agents() == 3u);  // the refused agent got no empty queue
  std::vector<signal_envelope> expired;
  q.take("a", 0, expired);
  BOOST_TEST(q.push(frame("d", "4", 0)) == queue::queued);
  BOOST_TEST(q.size() == 3u);
}

BOOST_AUTO_TEST_CASE(a_zero_sized_queue_refuses_everything_and_keeps_nothing) {
  queue q(0, 1000, 10);
  BOOST_TEST(q.push(frame("a", "1", 0)) == queue::full);
  BOOST_TEST(q.size() == 0u);
  BOOST_TEST(q.agents() == 0u);
}

BOOST_AUTO_TEST_CASE(take_splits_expired_from_fresh) {
  queue q(10, 1000, 100);
  q.push(frame("a", "old", 0));
  q.push(frame("a", "edge", 1000));
  q.push(frame("a", "new", 1500));
  std::vector<signal_envelope> expired;
  // At 2000: "old" is 2000 ms old (expired); "edge" exactly max age (kept).
  BOOST_TEST(texts(q.take("a", 2000, expired)) == (strings{"edge", "new"}),
             boost::test_tools::per_element());
  BOOST_TEST(texts(expired) == (strings{"old"}), boost::test_tools::per_element());
  BOOST_TEST(q.size() == 0u);
}

BOOST_AUTO_TEST_CASE(expire_sweeps_every_agent_and_keeps_fresh_frames) {
  queue q(10, 1000, 100);
  q.push(frame("a", "a-old", 0));
  q.push(frame("a", "a-new", 900));
  q.push(frame("b", "b-old", 100));
  q.push(frame("c", "c-new", 950));
  auto gone = q.expire(1500);
  std::sort(gone.begin(), gone.end(),
            [](const signal_envelope& x, const signal_envelope& y) { return x.text < y.text; });
  BOOST_TEST(texts(gone) == (strings{"a-old", "b-old"}), boost::test_tools::per_element());
  BOOST_TEST(q.size() == 2u);
  BOOST_TEST(q.agents() == 2u);  // b's queue went with its last frame
  BOOST_TEST(q.expire(1500).empty());
  std::vector<signal_envelope> expired;
  BOOST_TEST(texts(q.take("a", 1500, expired)) == (strings{"a-new"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(expire_frees_room_for_new_frames) {
  queue q(1, 1000, 100);
  q.push(frame("a", "1", 0));
  BOOST_TEST(q.push(frame("a", "2", 2000)) == queue::full);
  BOOST_TEST(q.expire(2000).size() == 1u);
  BOOST_TEST(q.push(frame("a", "2", 2000)) == queue::queued);
}

BOOST_AUTO_TEST_CASE(frames_keep_their_fields) {
  queue q(10, 1000, 100);
  auto e = frame("a", R"({"type":"notification"})", 42);
  e.hops = 1;
  q.push(e);
  std::vector<signal_envelope> expired;
  auto got = q.take("a", 42, expired);
  BOOST_TEST_REQUIRE(got.size() == 1u);
  BOOST_TEST(got[0].to == "a");
  BOOST_TEST(got[0].from == "sender");
  BOOST_TEST(got[0].type == "notification");
  BOOST_TEST(got[0].text == e.text);
  BOOST_TEST(got[0].at == 42);
  BOOST_TEST(got[0].hops == 1);
}

BOOST_AUTO_TEST_CASE(bytes_are_bounded_per_agent_and_freed_by_take_and_expiry) {
  using tessera::signal::max_agent_bytes;
  queue q(1000, 1000, 100000);
  std::string big(60 * 1024, 'x');  // about a full frame
  size_t fit = max_agent_bytes / big.size();
  for (size_t i = 0; i < fit; ++i)
    BOOST_TEST(q.push(frame("a", big, 100)) == queue::queued);
  // The next one would pass the agent's byte bound, though its count is far from full.
  BOOST_TEST(q.push(frame("a", big, 100)) == queue::full);
  BOOST_TEST(q.bytes() == fit * big.size());
  // Another agent's queue has its own bound.
  BOOST_TEST(q.push(frame("b", big, 100)) == queue::queued);
  std::vector<signal_envelope> expired;
  BOOST_TEST(q.take("a", 200, expired).size() == fit);
  BOOST_TEST(q.bytes() == big.size());
  BOOST_TEST(q.push(frame("a", big, 100)) == queue::queued);
  BOOST_TEST(q.expire(5000).size() == 2u);
  BOOST_TEST(q.bytes() == 0u);
}

BOOST_AUTO_TEST_CASE(a_full_queue_drops_the_biggest_senders_oldest_for_another_sender) {
  queue q(4, 1000, 100);
  for (auto text : {"m1", "m2", "m3", "m4"})
    BOOST_TEST(q.push(frame("victim", text, 0, "mallory")) == queue::queued);
  // Mallory can't push more: she holds the most.
  BOOST_TEST(q.push(frame("victim", "m5", 0, "mallory")) == queue::full);
  // Alice can: Mallory's oldest frame goes, and she is told.
  std::vector<signal_envelope> dropped;
  BOOST_TEST(q.push(frame("victim", "a1", 0, "alice"), &dropped) == queue::queued);
  BOOST_TEST(texts(dropped) == (strings{"m1"}), boost::test_tools::per_element());
  BOOST_TEST(dropped[0].from == "mallory");
  // Alice with 2 against Mallory's 2: no more for Alice.
  dropped.clear();
  BOOST_TEST(q.push(frame("victim", "a2", 0, "alice"), &dropped) == queue::queued);
  BOOST_TEST(q.push(frame("victim", "a3", 0, "alice"), &dropped) == queue::full);
  BOOST_TEST(q.sender_frames("alice") == 2u);
  BOOST_TEST(q.sender_frames("mallory") == 2u);
  std::vector<signal_envelope> expired;
  BOOST_TEST(texts(q.take("victim", 0, expired)) == (strings{"m3", "m4", "a1", "a2"}),
             boost::test_tools::per_element());
  BOOST_TEST(q.sender_frames("mallory") == 0u);
  BOOST_TEST(q.size() == 0u);
}

BOOST_AUTO_TEST_CASE(one_sender_holds_at_most_ten_agents_worth) {
  queue q(2, 1000, 1000);
  for (int i = 0; i < 10; ++i) {
    BOOST_TEST(q.push(frame("t" + std::to_string(i), "x", 0, "mallory")) == queue::queued);
    BOOST_TEST(q.push(frame("t" + std::to_string(i), "y", 0, "mallory")) == queue::queued);
  }
  BOOST_TEST(q.push(frame("t10", "z", 0, "mallory")) == queue::full);
  BOOST_TEST(q.push(frame("t10", "z", 0, "alice")) == queue::queued);
  BOOST_TEST(q.sender_frames("mallory") == 20u);
}

BOOST_AUTO_TEST_CASE(a_full_node_drops_the_biggest_senders_oldest_for_another_sender) {
  queue q(100, 1000, 100);
  // Ten senders fill the node, mallory0 with the most.
  for (int s = 0; s < 10; ++s)
    for (int i = 0; i < (s == 0 ? 19 : 9); ++i)
      BOOST_TEST(q.push(frame("t" + std::to_string(s), "m" + std::to_string(i), 0,
                              "mallory" + std::to_string(s))) == queue::queued);
  BOOST_TEST(q.size() == 100u);
  // mallory0 can't push more: nobody holds more than she would.
  BOOST_TEST(q.push(frame("t0", "more", 0, "mallory0")) == queue::full);
  // mallory1 (9, would hold 10) can: mallory0's oldest goes.
  std::vector<signal_envelope> dropped;
  BOOST_TEST(q.push(frame("t1", "more", 0, "mallory1"), &dropped) == queue::queued);
  BOOST_REQUIRE_EQUAL(dropped.size(), 1u);
  BOOST_TEST(dropped[0].from == "mallory0");
  BOOST_TEST(dropped[0].text == "m0");
  dropped.clear();
  BOOST_TEST(q.push(frame("elsewhere", "hello", 0, "alice"), &dropped) == queue::queued);
  BOOST_REQUIRE_EQUAL(dropped.size(), 1u);
  BOOST_TEST(dropped[0].from == "mallory0");
  BOOST_TEST(dropped[0].text == "m1");
  BOOST_TEST(q.size() == 100u);
  BOOST_TEST(q.sender_frames("alice") == 1u);
  std::vector<signal_envelope> expired;
  BOOST_TEST(texts(q.take("elsewhere", 0, expired)) == (strings{"hello"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
