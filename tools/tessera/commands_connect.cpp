// tessera connect --agent KEYFILE [--ws-url URL] [--max-retries N] [--backoff-base MS]
//                 [--backoff-max MS] [--linger MS]
//
// Holds one signaling connection, driven by protocol/connect_state.hpp's
// machine: state changes on stderr ("state: ready"), every received frame as
// one JSON line on stdout, every stdin line that is a JSON object sent as a
// text frame. One event loop (Asio) runs the connection, the timers, stdin
// lines (read by a thread of their own, which only posts) and the signals, so
// nothing has to be interrupted from another thread.
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cerrno>
#include <csignal>
#include <chrono>
#include <deque>
#include <iostream>
#include <memory>
#include <thread>

#include "commands.hpp"
#include "output.hpp"
#include "protocol/connect_state.hpp"
#include "protocol/signal_frame.hpp"
#include "signal_client.hpp"

namespace tessera::cli {

namespace {

namespace net = boost::asio;
using signal::conn_event;
using signal::conn_state;

struct connect_options {
  std::string agent;
  std::string ws_url;
  int max_retries = 10;
  int64_t backoff_base = 500;
  int64_t backoff_max = 30'000;
  int64_t linger = 500;
};

// What a close code means, for "state" notes and the final error.
std::string describe_close(uint16_t code, const std::string& reason) {
  std::string text = code == 1006 ? reason : "closed by the server (" + std::to_string(code);
  if (code != 1006)
    text += reason.empty() ? ")" : ": " + reason + ")";
  return sanitize(text);
}

class connect_session : public std::enable_shared_from_this<connect_session> {
public:
  connect_session(const connect_options& opts, agent_key key, ws_url url)
      : opts_(opts),
        key_(std::move(key)),
        url_(std::move(url)),
        machine_({opts.backoff_base, opts.backoff_max, opts.max_retries}) {}

  /// Runs until closed or connection_failed; the exit code (or throws for the latter).
  int run() {
    read_stdin();
    wait_for_signal();
    std::cerr << "state: " << signal::to_string(machine_.state()) << std::endl;
    apply(conn_event::start);
    io_.run();
    if (machine_.state() == conn_state::connection_failed)
      throw cli_error(exit_failed, "connection_failed", "connection failed: " + last_reason_);
    return exit_ok;
  }

private:
  void apply(conn_event e) {
    auto before = machine_.state();
    auto now = machine_.on(e);
    if (now == before)
      return;
    std::cerr << "state: " << signal::to_string(now);
    if (now == conn_state::retry_backoff)
      std::cerr << " " << machine_.delay_ms() << "ms (failure " << machine_.failures() << " of "
                << opts_.max_retries << ", at most "
                << signal::backoff_cap_ms({opts_.backoff_base, opts_.backoff_max, opts_.max_retries},
                                          machine_.failures())
                << "ms: " << last_reason_ << ")";
    std::cerr << std::endl;
    enter(now);
  }

  void enter(conn_state s) {
    switch (s) {
      case conn_state::connecting:
      case conn_state::reconnecting:
        open();
        break;
      case conn_state::ready:
        for (; !pending_.empty(); pending_.pop_front()) conn_->send(pending_.front());
        if (stdin_done_)
          linger();
        break;
      case conn_state::retry_backoff:
        backoff_.expires_after(std::chrono::milliseconds(machine_.delay_ms()));
        backoff_.async_wait([self = shared_from_this()](auto e) {
          if (!e)
            self->apply(conn_event::elapsed);
        });
        break;
      case conn_state::connection_failed:
      case conn_state::closed:
        backoff_.cancel();
        linger_.cancel();
        signals_.cancel();
        io_.stop();  // the stdin thread may still post; nothing is left to run it
        break;
      case conn_state::standby:
        break;
    }
  }

  void open() {
    // Callbacks of an older connection (already replaced) must not steer this one.
    auto generation = ++generation_;
    auto self = shared_from_this();
    signal_client::handlers h;
    h.ready = [self, generation](const nlohmann::json& config) {
      if (generation != self->generation_)
        return;
      print_json_line(config);
      self->apply(conn_event::ready);
    };
    h.frame = [self, generation](const std::string& text) {
      if (generation != self->generation_)
        return;
      // One line per frame: a frame is JSON from the server, printed compact;
      // anything else goes out as a JSON string so the line stays one line.
      auto doc = nlohmann::json::parse(text, nullptr, false);
      print_json_line(doc.is_discarded() ? nlohmann::json(text) : doc);
    };
    h.closed = [self, generation](uint16_t code, const std::string& reason) {
      if (generation != self->generation_)
        return;
      self->on_closed(code, reason);
    };
    conn_ = std::make_unique<signal_client>(io_, url_, key_, std::move(h));
  }

  void on_closed(uint16_t code, const std::string& reason) {
    // This runs inside the connection's own callback: keep it alive until the
    // next one replaces it; conn_ stays empty while there is no connection.
    retired_ = std::move(conn_);
    linger_.cancel();
    lingering_ = false;
    if (stopping_)
      return apply(conn_event::stop);
    last_reason_ = describe_close(code, reason);
    apply(signal::event_for_close(code, machine_.state() == conn_state::ready));
  }

  void on_line(std::string line) {
    ++line_number_;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos)
      return;  // blank lines are no frames and no mistakes
    auto doc = nlohmann::json::parse(line, nullptr, false);
    if (!doc.is_object()) {
      std::cerr << "error: stdin line " << line_number_ << " is not a JSON object; not sent"
                << std::endl;
      return;
    }
    if (machine_.state() == conn_state::ready && conn_)
      conn_->send(std::move(line));
    else
      pending_.push_back(std::move(line));  // sent once the connection is ready
  }

  void on_stdin_end() {
    stdin_done_ = true;
    if (machine_.state() == conn_state::ready)
      linger();
  }

  // After stdin ends: a moment for answers to arrive, then a clean close.
  void linger() {
    if (lingering_)
      return;
    lingering_ = true;
    linger_.expires_after(std::chrono::milliseconds(opts_.linger));
    linger_.async_wait([self = shared_from_this()](auto e) {
      if (!e)
        self->stop();
    });
  }

  // The first SIGINT/SIGTERM closes politely; a second one doesn't wait for
  // the server's answer.
  void wait_for_signal() {
    signals_.async_wait([self = shared_from_this()](auto e, int) {
      if (e)
        return;
      if (self->stopping_)
        return self->apply(conn_event::stop);
      self->stop();
      self->wait_for_signal();
    });
  }

  void stop() {
    if (machine_.terminal() || stopping_)
      return;
    stopping_ = true;
    if (conn_)
      conn_->close(1000);  // on_closed then applies stop
    else
      apply(conn_event::stop);
  }

  // stdin is read by a thread of its own with plain read(2) (iostreams would
  // flush std::cout from this thread); it only posts lines to the loop. It is
  // detached: at exit it may still sit in read(), holding the session alive.
  void read_stdin() {
    std::thread([self = shared_from_this()] {
      std::string partial;
      char chunk[4096];
      for (;;) {
        auto n = ::read(STDIN_FILENO, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
          continue;
        if (n <= 0)
          break;
        partial.append(chunk, static_cast<size_t>(n));
        for (auto end = partial.find('\n'); end != std::string::npos; end = partial.find('\n')) {
          net::post(self->io_, [self, line = partial.substr(0, end)] { self->on_line(line); });
          partial.erase(0, end + 1);
        }
      }
      net::post(self->io_, [self, last = std::move(partial)] {
        if (!last.empty())
          self->on_line(last);
        self->on_stdin_end();
      });
    }).detach();
  }

  connect_options opts_;
  agent_key key_;
  ws_url url_;
  net::io_context io_;
  net::signal_set signals_{io_, SIGINT, SIGTERM};
  net::steady_timer backoff_{io_};
  net::steady_timer linger_{io_};
  signal::connect_machine machine_;
  std::unique_ptr<signal_client> conn_;     // the connection being made or held
  std::unique_ptr<signal_client> retired_;  // the last one, ended
  uint64_t generation_ = 0;
  std::deque<std::string> pending_;
  int line_number_ = 0;
  bool stdin_done_ = false;
  bool lingering_ = false;
  bool stopping_ = false;
  std::string last_reason_;
};

// --ws-url, or what the server's GET /api/v1/signaling/info says.
std::string signaling_url(const connect_options& opts, const global_options& global) {
  if (!opts.ws_url.empty())
    return opts.ws_url;
  auto client = client_for(global);
  auto info = expect_success(client.get("/api/v1/signaling/info"));
  auto url = json_at(info, {"url"});
  if (!url.is_string())
    throw cli_error(exit_failed, "invalid_response",
                    "GET /api/v1/signaling/info has no \"url\" string");
  return url.get<std::string>();
}

int run_connect(const connect_options& opts, const global_options& global) {
  if (opts.backoff_max < opts.backoff_base)
    throw cli_error(exit_usage, "usage", "--backoff-max must be at least --backoff-base");
  auto key = load_key_file(opts.agent);
  std::string err;
  auto url = parse_ws_url(signaling_url(opts, global), err);
  if (!url)
    throw cli_error(opts.ws_url.empty() ? exit_failed : exit_usage, "ws_url", err);
  return std::make_shared<connect_session>(opts, std::move(key), std::move(*url))->run();
}

}  // namespace

void add_connect_command(CLI::App& app, const global_options& global, action& run) {
  auto opts = std::make_shared<connect_options>();
  auto* cmd = app.add_subcommand(
      "connect", "Hold a signaling connection: frames received on stdout, stdin lines sent");
  cmd->add_option("--agent,-a", opts->agent, "Agent key file")->required();
  cmd->add_option("--ws-url", opts->ws_url,
                  "WebSocket URL (default: asked from the server's /api/v1/signaling/info)");
  cmd->add_option("--max-retries", opts->max_retries,
                  "Failed attempts in a row before giving up")
      ->capture_default_str()
      ->check(CLI::Range(1, 1'000'000));
  cmd->add_option("--backoff-base", opts->backoff_base, "First retry delay bound, ms")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{3'600'000}));
  cmd->add_option("--backoff-max", opts->backoff_max, "Largest retry delay bound, ms")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{3'600'000}));
  cmd->add_option("--linger", opts->linger, "After stdin ends, wait this long for frames, ms")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{3'600'000}));
  cmd->callback([opts, &global, &run] { run = [opts, &global] { return run_connect(*opts, global); }; });
}

}  // namespace tessera::cli
