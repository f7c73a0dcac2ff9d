// bench_all: runs the other benchmarks (the binaries beside it) with --json,
// one after the other, and prints one table of their figures, each against
// its baseline measured in the same run and its target. The PostgreSQL
// directory figures need --postgres-url (a server the bench may create and
// drop a database on); without it they are left out of the table.
#include <CLI/CLI.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct row {
  std::string figure, measured, baseline, ratio, target;
  bool met = false;
};

std::string fixed(double v, int digits = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

/// Runs `command`; its standard output as JSON (null when it printed none).
json run_json(const std::string& command, int& status) {
  std::cerr << "bench_all: " << command << "\n";
  FILE* p = ::popen((command + " --json").c_str(), "r");
  if (!p) {
    status = -1;
    return nullptr;
  }
  std::string out;
  std::array<char, 4096> buf{};
  while (auto n = std::fread(buf.data(), 1, buf.size(), p))
    out.append(buf.data(), n);
  status = ::pclose(p);
  auto start = out.find('{');
  return start == std::string::npos ? json(nullptr)
                                    : json::parse(out.substr(start), nullptr, false);
}

double num(const json& j, std::initializer_list<const char*> path) {
  const json* at = &j;
  for (const char* key : path) {
    if (!at->is_object() || !at->contains(key))
      return 0;
    at = &(*at)[key];
  }
  return at->is_number() ? at->get<double>() : 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_all: every benchmark, one table of ratios against same-run baselines"};
  std::string postgres_url;
  bool quick = false;
  app.add_option("--postgres-url", postgres_url,
                 "PostgreSQL server for the directory figures (database created and dropped)");
  app.add_flag("--quick", quick, "smaller runs (a smoke test of the benches, not the figures)");
  CLI11_PARSE(app, argc, argv);
  auto dir = fs::canonical("/proc/self/exe").parent_path();
  auto bin = [&](const char* name) { return (dir / name).string(); };

  std::vector<row> table;
  int failures = 0;
  auto run = [&](const std::string& command) {
    int status = 0;
    auto j = run_json(command, status);
    if (status != 0 || j.is_null()) {
      failures += 1;
      std::cerr << "bench_all: failed (status " << status << "): " << command << "\n";
    }
    return j;
  };

  auto front = run(bin("bench_front") + (quick ? " --seconds 1 --idle 500 --watches 500 --events 2" : ""));
  for (const char* name : {"get_agent", "health"}) {
    const auto& f = front[name];
    double ratio = num(f, {"ratio"});
    bool p99_ok = std::string(name) != "get_agent" || num(f, {"tesserad_p99_ms"}) < 10;
    table.push_back({std::string("GET ") + (std::string(name) == "health" ? "/api/v1/health"
                                                                            : "/api/v1/agents/{id}"),
                     fixed(num(f, {"tesserad_rps"}), 0) + "/s, p99 " +
                         fixed(num(f, {"tesserad_p99_ms"})) + " ms",
                     "nginx " + fixed(num(f, {"nginx_rps"}), 0) + "/s", fixed(ratio),
                     std::string(">= 0.35") + (std::string(name) == "get_agent" ? ", p99 < 10 ms" : ""),
                     ratio >= 0.35 && p99_ok});
  }
  {
    double slower = num(front, {"health_64_idle", "slowdown"});
    table.push_back({"health beside 64 idle sockets (p50)",
                     fixed(num(front, {"health_64_idle", "p50_ms"}), 3) + " ms",
                     fixed(num(front, {"health_64_idle", "p50_ms_without"}), 3) + " ms without",
                     fixed(slower), "<= 1.5 (slowdown)", slower > 0 && slower <= 1.5});
    double kib = num(front, {"idle_keep_alive", "kib_each"});
    table.push_back({"idle keep-alive connections", fixed(kib, 1) + " KiB each", "-", "-",
                     "< 16 KiB", kib > 0 && kib < 16});
    const auto& w = front["sse_watches"];
    double p99 = num(w, {"p99_ms"}), kib_w = num(w, {"kib_each"});
    bool all = num(w, {"delivered"}) == num(w, {"expected"}) && num(w, {"expected"}) > 0;
    table.push_back({fixed(num(w, {"watches"}), 0) + " SSE watches, 1 event/s",
                     fixed(num(w, {"delivered"}), 0) + "/" + fixed(num(w, {"expected"}), 0) +
                         " delivered, p99 " + fixed(p99) + " ms, " + fixed(kib_w, 1) + " KiB each",
                     "-", "-", "all, p99 < 100 ms, < 32 KiB", all && p99 < 100 && kib_w < 32});
  }

  auto reg = run(bin("bench_registry") + " --clients 32 --server-threads 2" +
                 (quick ? " --registrations 500 --gets 1000" : ""));
  {
    double ratio = num(reg, {"registrations", "ratio"});
    table.push_back({"signed registration, 32 clients, durable",
                     fixed(num(reg, {"registrations", "tesserad", "per_second"}), 0) + "/s",
                     "raw SQLite txn/insert " +
                         fixed(num(reg, {"registrations", "baseline", "per_second"}), 0) + "/s",
                     fixed(ratio), ">= 1.5", ratio >= 1.5});
  }

  auto agents = run(bin("bench_agents") + (quick ? " --agents 2000 --heartbeats 4000 --beating 500" : ""));
  {
    double ratio = num(agents, {"heartbeats", "ratio"});
    table.push_back({"signed heartbeat",
                     fixed(num(agents, {"heartbeats", "tesserad", "per_second"}), 0) + "/s",
                     "libsodium verify on " + fixed(num(agents, {"heartbeats", "baseline_threads"}), 0) +
                         " threads " + fixed(num(agents, {"heartbeats", "baseline", "per_second"}), 0) + "/s",
                     fixed(ratio), ">= 0.6", ratio >= 0.6});
    double kib = num(agents, {"agents_online", "kib_each"});
    table.push_back({fixed(num(agents, {"agents_online", "agents"}), 0) + " online agents (session actors)",
                     fixed(kib) + " KiB RSS each", "-", "-", "< 4 KiB", kib > 0 && kib < 4});
  }

  auto sig = run(bin("bench_signaling") + (quick ? " --connections 200 --seconds 2 --warmup 1" : ""));
  {
    double ratio = num(sig, {"ratio"});
    table.push_back({"signaling frames (" + fixed(num(sig, {"connections"}), 0) + " agents)",
                     fixed(num(sig, {"tesserad", "per_second"}), 0) + "/s",
                     "Redis pub/sub " + fixed(num(sig, {"baseline_redis_pubsub", "per_second"}), 0) + "/s",
                     fixed(ratio), ">= 0.6", ratio >= 0.6});
  }

  std::vector<std::string> databases = {"sqlite"};
  if (!postgres_url.empty())
    databases.push_back("postgres");
  for (const auto& db : databases) {
    auto command = bin("bench_directory") + " --database " + db;
    if (db == "postgres")
      command += " --postgres-url '" + postgres_url + "'";
    if (quick)
      command += " --agents 5000 --requests 400";
    auto d = run(command);
    for (auto [key, label] : {std::pair{"filtered_page", "filtered page"},
                              std::pair{"full_text", "full-text query"}}) {
      double p99 = num(d, {key, "p99_ms"});
      table.push_back({"directory " + fixed(num(d, {"agents"}), 0) + " agents, " + db + ", " + label,
                       "p99 " + fixed(p99) + " ms", "-", "-", "p99 < 30 ms", p99 > 0 && p99 < 30});
    }
  }

  std::cout << "| figure | tesserad | baseline (same run) | ratio | target | met |\n"
            << "|---|---|---|---|---|---|\n";
  for (const auto& r : table)
    std::cout << "| " << r.figure << " | " << r.measured << " | " << r.baseline << " | " << r.ratio
              << " | " << r.target << " | " << (r.met ? "yes" : "no") << " |\n";
  if (failures)
    std::cout << failures << " benchmark(s) failed; see above\n";
  return failures ? 1 : 0;
}
