#include "protocol/offline_queue.hpp"

#include <algorithm>
#include <utility>

namespace tessera::signal {

namespace offline_queue_detail {

// A frame is kept while its age is at most max_age: at exactly max_age it is
// still delivered, one millisecond later it has expired.
bool too_old(const signal_envelope& e, int64_t now_ms, int64_t max_age_ms) {
  return now_ms - e.at > max_age_ms;
}

}  // namespace offline_queue_detail

offline_queue::offline_queue(size_t per_agent, int64_t max_age_ms, size_t total)
    : per_agent_(per_agent), max_age_ms_(max_age_ms), total_(total) {}

size_t offline_queue::sender_frames(const std::string& sender) const {
  auto it = senders_.find(sender);
  return it == senders_.end() ? 0 : it->second.frames;
}

void offline_queue::count(const queued_frame& f) {
  auto& u = senders_[f.e.from];
  if (u.frames > 0)
    by_frames_.erase({u.frames, f.e.from});
  u.frames += 1;
  u.bytes += f.e.text.size();
  u.order.emplace_back(f.e.to, f.seq);
  by_frames_.insert({u.frames, f.e.from});
  live_.insert(f.seq);
  total_size_ += 1;
  total_bytes_ += f.e.text.size();
}

void offline_queue::uncount(const queued_frame& f) {
  live_.erase(f.seq);
  total_size_ -= 1;
  total_bytes_ -= f.e.text.size();
  auto it = senders_.find(f.e.from);
  if (it == senders_.end())
    return;
  auto& u = it->second;
  by_frames_.erase({u.frames, f.e.from});
  u.frames -= 1;
  u.bytes -= f.e.text.size();
  if (u.frames == 0) {
    senders_.erase(it);
    return;
  }
  by_frames_.insert({u.frames, f.e.from});
  if (u.order.size() > 2 * u.frames + 16)
    std::erase_if(u.order, [&](const auto& entry) { return !live_.count(entry.second); });
}

void offline_queue::drop_oldest_of(const std::string& sender,
                                   std::vector<signal_envelope>* dropped) {
  auto it = senders_.find(sender);
  while (it != senders_.end() && !it->second.order.empty()) {
    auto [to, seq] = std::move(it->second.order.front());
    it->second.order.pop_front();
    if (!live_.count(seq))
      continue;
    auto q = queues_.find(to);
    auto f = std::find_if(q->second.frames.begin(), q->second.frames.end(),
                          [seq = seq](const queued_frame& x) { return x.seq == seq; });
    q->second.bytes -= f->e.text.size();
    uncount(*f);
    if (dropped)
      dropped->push_back(std::move(f->e));
    q->second.frames.erase(f);
    if (q->second.frames.empty())
      queues_.erase(q);
    return;
  }
}

offline_queue::push_result offline_queue::push(signal_envelope e,
                                               std::vector<signal_envelope>* dropped) {
  size_t bytes = e.text.size();
  if (per_agent_ == 0 || total_ == 0 || bytes > max_agent_bytes)
    return full;
  auto held = senders_.find(e.from);
  size_t mine = held == senders_.end() ? 0 : held->second.frames;
  size_t mine_bytes = held == senders_.end() ? 0 : held->second.bytes;
  // The sender's own share of the node.
  if (mine >= per_agent_ * 10 || mine_bytes + bytes > max_sender_bytes)
    return full;
  // The node is full: the sender holding the most on it gives its oldest
  // frame up, if it holds more than this sender would.
  while (total_size_ >= total_ || total_bytes_ + bytes > max_total_bytes) {
    auto top = by_frames_.rbegin();
    if (top == by_frames_.rend() || top->first <= mine + 1)
      return full;
    drop_oldest_of(top->second, dropped);
  }
  auto& q = queues_[e.to];
  // The target's queue is full: likewise among the senders it holds frames of.
  while (q.frames.size() >= per_agent_ || q.bytes + bytes > max_agent_bytes) {
    std::unordered_map<std::string_view, size_t> here;
    for (const auto& f : q.frames)
      here[f.e.from] += 1;
    auto top = std::max_element(here.begin(), here.end(),
                                [](const auto& a, const auto& b) { return a.second < b.second; });
    auto own = here.find(e.from);
    size_t would_have = (own == here.end() ? 0 : own->second) + 1;
    if (top == here.end() || top->second <= would_have) {
      if (q.frames.empty())
        queues_.erase(e.to);
      return full;
    }
    std::string victim{top->first};
    auto oldest = std::find_if(q.frames.begin(), q.frames.end(),
                               [&](const queued_frame& f) { return f.e.from == victim; });
    q.bytes -= oldest->e.text.size();
    uncount(*oldest);
    if (dropped)
      dropped->push_back(std::move(oldest->e));
    q.frames.erase(oldest);
  }
  queued_frame f{std::move(e), next_seq_++};
  count(f);
  q.bytes += bytes;
  q.frames.push_back(std::move(f));
  return queued;
}

std::vector<signal_envelope> offline_queue::take(const std::string& agent_id, int64_t now_ms,
                                                 std::vector<signal_envelope>& expired) {
  std::vector<signal_envelope> out;
  auto it = queues_.find(agent_id);
  if (it == queues_.end())
    return out;
  for (auto& f : it->second.frames) {
    uncount(f);
    if (offline_queue_detail::too_old(f.e, now_ms, max_age_ms_))
      expired.push_back(std::move(f.e));
    else
      out.push_back(std::move(f.e));
  }
  queues_.erase(it);
  return out;
}

std::vector<signal_envelope> offline_queue::expire(int64_t now_ms) {
  std::vector<signal_envelope> out;
  for (auto it = queues_.begin(); it != queues_.end();) {
    auto& q = it->second.frames;
    // `at` is the caller's to set (a clock step can put it out of order):
    // check every frame rather than stop at the first fresh one.
    auto keep = std::stable_partition(q.begin(), q.end(), [&](const queued_frame& f) {
      return !offline_queue_detail::too_old(f.e, now_ms, max_age_ms_);
    });
    for (auto f = keep; f != q.end(); ++f) {
      it->second.bytes -= f->e.text.size();
      uncount(*f);
      out.push_back(std::move(f->e));
    }
    q.erase(keep, q.end());
    if (q.empty())
      it = queues_.erase(it);
    else
      ++it;
  }
  return out;
}

}  // namespace tessera::signal
