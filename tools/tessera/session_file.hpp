#pragma once
// Where `tessera login` keeps its sign-ins: one JSON file holding one session
// per server origin,
//   {"sessions":{"http://host:port":{"server","access_token","refresh_token",
//                                    "access_expires_at","user"}}}
// at $TESSERA_HOME/session.json, else $XDG_CONFIG_HOME/tessera/session.json,
// else ~/.config/tessera/session.json. It holds no password. It is written
// 0600 from the first byte (a mkstemp file renamed over the old one), and
// changes happen under an flock on "<file>.lock": two runs refreshing at once
// must not both spend the same refresh token, or the server takes the second
// use for theft and ends the sign-in.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace tessera::cli {

struct session {
  std::string server;  // the origin it belongs to, "http://host:port"
  std::string access_token;
  std::string refresh_token;
  int64_t access_expires_at = 0;  // unix seconds (RFC 3339 in the file); 0: unknown
  nlohmann::json user;            // the server's user document

  session() = default;
  session(const session&) = default;
  session& operator=(const session&) = default;
  ~session();  // wipes the tokens
};

/// The session file's path from the environment (see above).
std::string session_file_path();

/// Holds an exclusive flock on "<path>.lock" while it lives, creating the
/// directory (0700) and the lock file (0600) as needed. Not reentrant: one per
/// process at a time.
class session_lock {
 public:
  explicit session_lock(const std::string& path);
  ~session_lock();
  session_lock(const session_lock&) = delete;
  session_lock& operator=(const session_lock&) = delete;

 private:
  int fd_ = -1;
};

/// The saved session for `server`, if any. Throws cli_error "session_file"
/// when the file exists but can't be read or isn't ours.
std::optional<session> find_session(const std::string& path, const std::string& server);

/// Adds or replaces s.server's session; hold a session_lock.
void save_session(const std::string& path, const session& s);

/// Forgets `server`'s session (true if there was one); hold a session_lock.
bool remove_session(const std::string& path, const std::string& server);

/// RFC 3339 UTC with seconds ("2027-01-31T00:00:00Z") and back; nullopt when
/// the text is not in that form.
std::string format_utc(int64_t unix_seconds);
std::optional<int64_t> parse_utc(const std::string& text);

}  // namespace tessera::cli
