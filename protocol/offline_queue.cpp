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

offline_queue::push_result offline_queue::push(signal_envelope e) {
  size_t bytes = e.text.size();
  if (total_size_ >= total_ || total_bytes_ + bytes > max_total_bytes)
    return full;
  auto& q = queues_[e.to];
  if (q.frames.size() >= per_agent_ || q.bytes + bytes > max_agent_bytes) {
    // A refused frame must not leave an empty queue behind (per_agent_ == 0).
    if (q.frames.empty())
      queues_.erase(e.to);
    return full;
  }
  q.frames.push_back(std::move(e));
  q.bytes += bytes;
  ++total_size_;
  total_bytes_ += bytes;
  return queued;
}

std::vector<signal_envelope> offline_queue::take(const std::string& agent_id, int64_t now_ms,
                                                 std::vector<signal_envelope>& expired) {
  std::vector<signal_envelope> out;
  auto it = queues_.find(agent_id);
  if (it == queues_.end())
    return out;
  for (auto& e : it->second.frames) {
    if (offline_queue_detail::too_old(e, now_ms, max_age_ms_))
      expired.push_back(std::move(e));
    else
      out.push_back(std::move(e));
  }
  total_size_ -= it->second.frames.size();
  total_bytes_ -= it->second.bytes;
  queues_.erase(it);
  return out;
}

std::vector<signal_envelope> offline_queue::expire(int64_t now_ms) {
  std::vector<signal_envelope> out;
  for (auto it = queues_.begin(); it != queues_.end();) {
    auto& q = it->second.frames;
    // `at` is the caller's to set (a clock step can put it out of order):
    // check every frame rather than stop at the first fresh one.
    auto keep = std::stable_partition(q.begin(), q.end(), [&](const signal_envelope& e) {
      return !offline_queue_detail::too_old(e, now_ms, max_age_ms_);
    });
    for (auto e = keep; e != q.end(); ++e) {
      it->second.bytes -= e->text.size();
      total_bytes_ -= e->text.size();
      out.push_back(std::move(*e));
    }
    total_size_ -= static_cast<size_t>(q.end() - keep);
    q.erase(keep, q.end());
    if (q.empty())
      it = queues_.erase(it);
    else
      ++it;
  }
  return out;
}

}  // namespace tessera::signal
