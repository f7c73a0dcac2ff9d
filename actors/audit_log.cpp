#include "actors/audit_log.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "actors/clock.hpp"
#include "actors/errors.hpp"
#include "protocol/audit_chain.hpp"

namespace tessera {

audit_sink open_audit_sink(const std::string& output) {
  if (output == "stdout")
    return {output, std::shared_ptr<FILE>(stdout, [](FILE*) {})};
  const std::string prefix = "file:";
  if (output.rfind(prefix, 0) != 0 || output.size() == prefix.size())
    throw std::runtime_error("audit_log.output: expected \"stdout\" or \"file:PATH\", got \"" +
                             output + "\"");
  auto path = output.substr(prefix.size());
  FILE* f = std::fopen(path.c_str(), "a");
  if (!f)
    throw std::runtime_error("audit_log.output: cannot open " + path + " for appending: " +
                             std::strerror(errno));
  return {output, std::shared_ptr<FILE>(f, [](FILE* p) { std::fclose(p); })};
}

namespace {

/// One write per line, so lines from other stdio writers (logs on stdout)
/// can't cut into it; flushed so a crash loses no written event.
bool write_line(FILE* f, const std::string& line) {
  auto text = line + '\n';
  return std::fwrite(text.data(), 1, text.size(), f) == text.size() && std::fflush(f) == 0;
}

}  // namespace

audit_log_actor::behavior_type audit_log(audit_log_actor::stateful_pointer<audit_log_state> self,
                                         audit_sink sink, persistence_actor writer,
                                         std::string last_hash) {
  self->state.sink = std::move(sink);
  self->state.writer = std::move(writer);
  self->state.last_hash = std::move(last_hash);
  return {
      [=](audit_entry in) {
        auto& st = self->state;
        auto e = with_valid_utf8(std::move(in));
        if (e.at == 0)
          e.at = now_ms();
        e.seq = 0;
        e.prev_hash = st.last_hash;
        e.hash = link_hash(e);
        // The chain goes on from this entry even if storing it fails below:
        // the line is out already, and the gap then shows in the database.
        st.last_hash = e.hash;
        st.entries += 1;
        if (!write_line(st.sink.file.get(), to_json_line(e))) {
          st.write_failures += 1;
          spdlog::error("audit line not written output={} action={} hash={} error=\"{}\"",
                        st.sink.output, e.action, e.hash, std::strerror(errno));
        }
        write_op op;
        op.kind = write_op::append_audit;
        op.audit = e;
        self->request(st.writer, caf::infinite, atom::write::value, std::move(op))
            .then([=](caf::ok_atom) { self->state.stored += 1; },
                  [=](caf::error& err) {
                    self->state.store_failures += 1;
                    auto p = to_problem(err);
                    spdlog::error("audit entry not stored action={} hash={} error={} \"{}\"",
                                  e.action, e.hash, to_string(p.code), p.message);
                  });
      },
      [=](atom::status) -> std::string {
        auto& st = self->state;
        return nlohmann::json{{"output", st.sink.output},
                              {"entries", st.entries},
                              {"stored", st.stored},
                              {"store_failures", st.store_failures},
                              {"write_failures", st.write_failures}}
            .dump();
      },
  };
}

}  // namespace tessera
