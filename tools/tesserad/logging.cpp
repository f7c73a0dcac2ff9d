#include "tools/tesserad/logging.hpp"

#include <cstdlib>

#include <nlohmann/json.hpp>
#include <spdlog/async.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace tessera {

namespace {

constexpr size_t log_queue_lines = 32768;

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

}  // namespace

void setup_logging(const config::logging_settings& s) {
  // Asynchronous: the I/O threads hand a line to a queue and a thread of its
  // own formats and writes it (the access log must not cost GET throughput).
  // A full queue makes the caller wait rather than drop lines.
  spdlog::init_thread_pool(log_queue_lines, 1);
  auto logger = spdlog::create_async<spdlog::sinks::stdout_sink_mt>("tessera");
  // Whatever is queued is written before the process exits.
  std::atexit([] { spdlog::shutdown(); });
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(s.level));
  if (s.format == "json") {
    auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    f->add_flag<json_message_flag>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":%*})");
    spdlog::set_formatter(std::move(f));
  } else {
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  }
  spdlog::flush_on(spdlog::level::info);
}

}  // namespace tessera
