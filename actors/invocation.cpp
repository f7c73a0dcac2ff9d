#include "actors/invocation.hpp"

namespace tessera {

namespace {

using self_ptr = invocation_actor::stateful_pointer<invocation_state>;

bool is_event_stream(const bridge::answer_head& h) {
  auto type = h.header("Content-Type");
  return h.status >= 200 && h.status < 300 && type.rfind("text/event-stream", 0) == 0;
}

// One event as it goes on the wire again.
std::string frame(const sse::event& e) {
  std::string out;
  if (!e.id.empty()) out += "id: " + e.id + "\n";
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
  st.promise.deliver(st.head);
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
  for (const auto& e : events) text += frame(e);
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
      [=](atom::done, const std::string& code, const std::string& message) {
        auto& st = self->state;
        if (!st.answered && code != "none") {
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
