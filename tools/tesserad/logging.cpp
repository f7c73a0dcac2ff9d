#include "tools/tesserad/logging.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <mutex>

#include <nlohmann/json.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

namespace tessera {

namespace {

/// %* : the message as a JSON string (quotes included), for the json format.
class json_message_flag : public spdlog::custom_flag_formatter {
public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    auto text = nlohmann::json(std::string(msg.payload.data(), msg.payload.size()))
                    .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<json_message_flag>();
  }
};

/// Standard output written in blocks: spdlog's stdout sink flushes, a
/// write(2), after every line. Lines collect here until 64 KiB, a warning or
/// worse, or the logger's periodic flush; what is left is written when the
/// sink goes (at exit).
class buffered_stdout_sink final : public spdlog::sinks::base_sink<std::mutex> {
public:
  ~buffered_stdout_sink() override { write_out(); }

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    pending_.append(line.data(), line.size());
    if (pending_.size() >= flush_bytes || msg.level >= spdlog::level::warn)
      write_out();
  }
  void flush_() override { write_out(); }

private:
  static constexpr size_t flush_bytes = 64 * 1024;

  void write_out() {
    size_t done = 0;
    while (done < pending_.size()) {
      auto n = ::write(STDOUT_FILENO, pending_.data() + done, pending_.size() - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;  // nowhere to write: drop it rather than spin
      done += static_cast<size_t>(n);
    }
    pending_.clear();
  }

  std::string pending_;
};

}  // namespace

void setup_logging(const config::logging_settings& s) {
  // Lines are formatted on the thread that logs and collected in the sink's
  // buffer (a lock, no hand-off to another thread): the access log must not
  // cost GET throughput, and waking a logging thread per line did (a third of
  // it on 2 cores).
  auto logger = std::make_shared<spdlog::logger>("tessera", std::make_shared<buffered_stdout_sink>());
  spdlog::set_default_logger(logger);
  // Whatever is buffered is written before the process exits. (Registered
  // after spdlog's registry exists, so that it runs before the registry's
  // own destructor.)
  std::atexit([] { spdlog::shutdown(); });
  spdlog::set_level(spdlog::level::from_str(s.level));
  if (s.format == "json") {
    auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    f->add_flag<json_message_flag>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":%*})");
    spdlog::set_formatter(std::move(f));
  } else {
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  }
  // Warnings and errors are written at once; everything else (the access
  // log) at least once a second, so a busy server writes in blocks rather
  // than a line per request.
  spdlog::flush_on(spdlog::level::warn);
  spdlog::flush_every(std::chrono::seconds(1));
}

}  // namespace tessera
