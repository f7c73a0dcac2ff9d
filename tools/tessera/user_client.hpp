#pragma once
// Requests made as a user. The credential is $TESSERA_API_KEY when it is set
// (a "tsk_..." key, never refreshed), else the saved session for --server: its
// access token is refreshed first when it has expired by our clock, and once
// more on a 401 (the server may disagree with our clock, or its key changed).
// The new pair is saved before the retry, because the old refresh token is
// spent the moment the server answers.
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "global_options.hpp"
#include "session_file.hpp"
#include "signed_client.hpp"

namespace tessera::cli {

class user_client {
 public:
  enum class credential { api_key_or_session, session_only };

  /// Throws cli_error "not_logged_in" when there is no credential to use.
  explicit user_client(const global_options& global,
                       credential use = credential::api_key_or_session);
  ~user_client();
  user_client(const user_client&) = delete;
  user_client& operator=(const user_client&) = delete;

  /// `path` is percent-encoded; a null `body` sends none.
  http_response send(const std::string& method, const std::string& path,
                     const nlohmann::json& body = nullptr);
  /// The same, with the body built for each attempt (logout names the current
  /// refresh token, which a refresh replaces).
  http_response send_built(const std::string& method, const std::string& path,
                           const std::function<nlohmann::json()>& body);

  /// The credential to send ("Bearer ..."), refreshed first when it has expired.
  std::string authorization();

  /// The session in use (null with an API key).
  const session* current() const { return session_ ? &*session_ : nullptr; }
  const std::string& server() const { return server_; }
  const std::string& session_path() const { return path_; }
  /// The same connection, for the agent-signed half of `tessera claim`.
  signed_client& http() { return http_; }

 private:
  void refresh();

  signed_client http_;
  std::string server_;  // its origin: the session file's key
  std::string path_;    // the session file
  std::string api_key_;
  std::optional<session> session_;
};

/// A session from a login or refresh answer; throws cli_error
/// "invalid_response" when a field is missing.
session session_from(const nlohmann::json& answer, const std::string& server);

}  // namespace tessera::cli
