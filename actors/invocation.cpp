#include "actors/invocation.hpp"

namespace tessera {

namespace {

using self_ptr = invocation_actor::stateful_pointer<invocation_state>;

bool is_event_stream(const bridge::answer_head& h) {
  auto type = h.header("Content-Type");
  return h.status >= 200 && h.status < 300 && type.rfind("text/event-stream", 0) == 0;
}

// An event id longer than this ends the call: ids name positions in a stream.
constexpr size_t max_event_id = 1024;

// One event as it goes on the wire again; its id only when it changed (the
// parser carries the last id over to every later event).
std::string frame(const sse::event& e, std::string& last_id) {
  std::string out;
  if (e.id != last_id) {
    out += "id: " + e.id + "\n";
    last_id = e.id;
  }
  if (e.type != "message") out += "event: " + e.type + "\n";
  for (size_t start = 0;;) {
    auto end = e.data.find('\n', start);
    out += "data: " + e.data.substr(start, end - start) + "\n";
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out + "\n";
}

void answer(self_ptr self) {
  auto& st = self->state;
  if (st.answered) return;
  st.answered = true;
  st.promise.deliver(std::move(st.head));
}

// A streamed answer's bytes, passed on event by event.
void pass_on(self_ptr self, const std::string& bytes) {
  auto& st = self->state;
  std::vector<sse::event> events;
  try {
    events = st.events->feed(bytes);
  } catch (const std::length_error&) {  // an event that never ends
    st.call->cancel();
    return;
  }
  std::string text;
  if (st.events->retry_ms() && st.events->retry_ms() != st.retry_ms) {
    st.retry_ms = st.events->retry_ms();
    text += "retry: " + std::to_string(*st.retry_ms) + "\n\n";
  }
  for (const auto& e : events) {
    // What one piece of the answer may turn into is bounded too: no more than
    // the stream could queue.
    if (e.id.size() > max_event_id || text.size() > st.spec.limits.max_body_bytes) {
      st.call->cancel();
      return;
    }
    text += frame(e, st.last_id);
  }
  if (!text.empty() && !st.spec.sink->send(std::make_shared<const std::string>(std::move(text))))
    st.call->cancel();  // the client is gone or does not read
}

}  // namespace

invocation_actor::behavior_type invocation(self_ptr self, invocation_spec spec) {
  self->state.spec = std::move(spec);
  return {
      [=](atom::start) -> caf::result<bridge::answer_head> {
        auto& st = self->state;
        st.promise = self->make_response_promise<bridge::answer_head>();
        auto me = caf::actor_cast<invocation_actor>(self);
        net::outbound::call_events events;
        events.on_head = [me](const net::outbound::response_head& h) {
          bridge::answer_head head;
          head.status = h.status;
          for (const auto& [name, value] : h.headers) {
            head.headers.push_back(name);
            head.headers.push_back(value);
          }
          caf::anon_send(me, atom::head::value, std::move(head));
        };
        events.on_body = [me](std::string_view piece) {
          caf::anon_send(me, atom::data::value, std::string(piece));
        };
        events.on_end = [me](const net::outbound::failure& end) {
          caf::anon_send(me, atom::done::value, std::string(net::outbound::to_string(end.code)),
                         end.message);
        };
        st.call = net::outbound::start_call(*st.spec.io, std::move(st.spec.request),
                                            st.spec.limits, st.spec.allow, std::move(events));
        // An answer that does not stream must be whole by then.
        self->delayed_send(self, st.spec.limits.head_timeout, atom::tick::value);
        return st.promise;
      },
      [=](atom::head, bridge::answer_head& head) {
        auto& st = self->state;
        st.head = std::move(head);
        if (is_event_stream(st.head)) {
          st.head.streamed = true;
          st.events = std::make_unique<sse::parser>(st.spec.limits.max_body_bytes);
          answer(self);
        }
      },
      [=](atom::data, const std::string& bytes) {
        auto& st = self->state;
        if (st.events)
          pass_on(self, bytes);
        else
          st.head.body += bytes;
      },
      [=](atom::tick) {
        auto& st = self->state;
        if (st.answered || st.events) return;  // answered, or streaming: its own limits
        st.timed_out = true;
        st.call->cancel();
      },
      [=](atom::done, const std::string& code, const std::string& message) {
        auto& st = self->state;
        if (st.timed_out) {
          st.head.error = "timeout";
          st.head.message = "the answer was not complete within " +
                            std::to_string(st.spec.limits.head_timeout.count()) + " ms";
        } else if (!st.answered && code != "none") {
          st.head.error = code;
          st.head.message = message;
        }
        answer(self);
        if (st.events) st.spec.sink->close("");
        self->quit();
      },
      [=](atom::cancel) {
        if (self->state.call) self->state.call->cancel();
      },
  };
}

}  // namespace tessera
