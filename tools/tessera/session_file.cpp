#include "session_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "cli_error.hpp"
#include "key_file.hpp"
#include "private_file.hpp"

namespace tessera::cli {

namespace {

constexpr size_t max_session_file_bytes = 1024 * 1024;

cli_error file_error(const std::string& path, const std::string& what) {
  return local_error("session_file", path + ": " + what);
}

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// mkdir -p, new directories 0700: the file inside holds credentials.
void make_directories(const std::string& dir) {
  for (size_t at = 1; at <= dir.size(); ++at) {
    if (at != dir.size() && dir[at] != '/') continue;
    auto prefix = dir.substr(0, at);
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST)
      throw file_error(prefix, std::string("cannot create the directory: ") + std::strerror(errno));
  }
}

// The whole file as JSON; {"sessions":{}} when there is no file yet.
nlohmann::json read_document(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT)
    return {{"sessions", nlohmann::json::object()}};
  auto text = read_private_file(path, "session file", "session_file", max_session_file_bytes);
  auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  wipe(text);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("sessions") ||
      !doc["sessions"].is_object())
    throw file_error(path, "not a tessera session file; delete it and run tessera login");
  return doc;
}

// Best effort, like the key file: no copies of tokens left in freed memory.
void wipe_tokens(nlohmann::json& doc) {
  for (auto& [server, entry] : doc["sessions"].items()) {
    if (!entry.is_object()) continue;
    for (const char* token : {"access_token", "refresh_token"})
      if (entry.contains(token) && entry[token].is_string())
        wipe(entry[token].get_ref<std::string&>());
  }
}

void write_document(const std::string& path, nlohmann::json& doc) {
  auto text = doc.dump(2) + "\n";
  wipe_tokens(doc);
  try {
    replace_private_file(path, text, "session_file");
  } catch (...) {
    wipe(text);
    throw;
  }
  wipe(text);
}

std::string string_at(const nlohmann::json& entry, const char* name) {
  auto it = entry.find(name);
  return it != entry.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

session::~session() {
  wipe(access_token);
  wipe(refresh_token);
}

std::string session_file_path() {
  if (auto home = env("TESSERA_HOME"); !home.empty()) return home + "/session.json";
  // The XDG spec says to ignore a relative XDG_CONFIG_HOME.
  if (auto xdg = env("XDG_CONFIG_HOME"); !xdg.empty() && xdg.front() == '/')
    return xdg + "/tessera/session.json";
  auto home = env("HOME");
  if (home.empty())
    throw local_error("session_file",
                      "cannot place the session file: set TESSERA_HOME, XDG_CONFIG_HOME or HOME");
  return home + "/.config/tessera/session.json";
}

session_lock::session_lock(const std::string& path) {
  make_directories(directory_of(path));
  auto lock_path = path + ".lock";
  fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw file_error(lock_path, std::string("cannot open: ") + std::strerror(errno));
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    auto why = std::string(std::strerror(errno));
    ::close(fd_);
    throw file_error(lock_path, "cannot lock: " + why);
  }
}

session_lock::~session_lock() {
  ::close(fd_);  // releases the flock
}

std::optional<session> find_session(const std::string& path, const std::string& server) {
  auto doc = read_document(path);
  auto& sessions = doc["sessions"];
  auto it = sessions.find(server);
  if (it == sessions.end() || !it->is_object()) return std::nullopt;
  session s;
  s.server = server;
  s.access_token = string_at(*it, "access_token");
  s.refresh_token = string_at(*it, "refresh_token");
  // Unreadable means expired: the next request refreshes first.
  s.access_expires_at = parse_utc(string_at(*it, "access_expires_at")).value_or(0);
  s.user = it->value("user", nlohmann::json());
  wipe_tokens(doc);
  if (s.refresh_token.empty())
    throw file_error(path,
                     "the session for " + server + " has no refresh_token; run tessera login");
  return s;
}

void save_session(const std::string& path, const session& s) {
  make_directories(directory_of(path));
  auto doc = read_document(path);
  doc["sessions"][s.server] = {{"server", s.server},
                               {"access_token", s.access_token},
                               {"refresh_token", s.refresh_token},
                               {"access_expires_at", format_utc(s.access_expires_at)},
                               {"user", s.user}};
  write_document(path, doc);
}

bool remove_session(const std::string& path, const std::string& server) {
  auto doc = read_document(path);
  if (doc["sessions"].erase(server) == 0) {
    wipe_tokens(doc);
    return false;
  }
  write_document(path, doc);
  return true;
}

std::string format_utc(int64_t unix_seconds) {
  auto t = static_cast<time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::optional<int64_t> parse_utc(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed != static_cast<int>(text.size()))
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(::timegm(&tm));
}

}  // namespace tessera::cli
