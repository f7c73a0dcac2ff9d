#include "user_client.hpp"

#include <chrono>
#include <cstdlib>

#include "cli_error.hpp"
#include "commands.hpp"
#include "key_file.hpp"

namespace tessera::cli {

namespace {

// Refresh this long before the access token's expiry: the request still has
// to travel, and our clock may be behind the server's.
constexpr int64_t expiry_margin_seconds = 30;

int64_t now_seconds() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

std::string api_key_from_env() {
  const char* value = std::getenv("TESSERA_API_KEY");
  std::string key = value ? value : "";
  for (char c : key)
    if (c < 0x21 || c > 0x7e)
      throw local_error("api_key", "TESSERA_API_KEY must be one word of printable characters");
  return key;
}

}  // namespace

user_client::user_client(const global_options& global, credential use)
    : http_(client_for(global)), server_(http_.origin()), path_(session_file_path()) {
  if (use == credential::api_key_or_session) api_key_ = api_key_from_env();
  if (!api_key_.empty()) return;
  session_ = find_session(path_, server_);
  if (!session_)
    throw cli_error(exit_failed, "not_logged_in",
                    "not logged in to " + server_ + " (no session in " + path_ +
                        "); run tessera login --email EMAIL, or set TESSERA_API_KEY");
}

user_client::~user_client() {
  wipe(api_key_);
}

http_response user_client::send(const std::string& method, const std::string& path,
                                const nlohmann::json& body) {
  return send_built(method, path, [&body] { return body; });
}

http_response user_client::send_built(const std::string& method, const std::string& path,
                                      const std::function<nlohmann::json()>& body) {
  bool refreshed = false;
  if (session_ && session_->access_expires_at - expiry_margin_seconds <= now_seconds()) {
    refresh();
    refreshed = true;
  }
  for (;;) {
    auto doc = body();
    auto response = http_.send_plain(method, path, doc.is_null() ? "" : doc.dump(),
                                     session_ ? session_->access_token : api_key_);
    if (response.status != 401 || !session_ || refreshed) return response;
    refresh();
    refreshed = true;
  }
}

std::string user_client::authorization() {
  if (session_ && session_->access_expires_at - expiry_margin_seconds <= now_seconds())
    refresh();
  return "Bearer " + (session_ ? session_->access_token : api_key_);
}

void user_client::refresh() {
  session_lock lock(path_);
  auto saved = find_session(path_, server_);
  if (!saved)
    throw cli_error(exit_failed, "not_logged_in",
                    "the session for " + server_ + " was removed meanwhile; run tessera login");
  if (saved->refresh_token != session_->refresh_token) {
    // Another run refreshed it while we waited for the lock: use its pair
    // rather than present the spent token (the server would end the sign-in).
    session_ = std::move(saved);
    return;
  }
  auto response =
      http_.send_plain("POST", "/api/v1/auth/refresh",
                       nlohmann::json{{"refresh_token", session_->refresh_token}}.dump());
  if (response.status == 401) {
    // Expired, revoked or reused: this sign-in is over for good.
    remove_session(path_, server_);
    try {
      expect_success(response);
    } catch (const cli_error& e) {
      throw cli_error(e.exit, e.code,
                      std::string(e.what()) + " (the saved session was removed; run tessera login)",
                      e.body);
    }
  }
  session_ = session_from(expect_success(response), server_);
  save_session(path_, *session_);
}

session session_from(const nlohmann::json& answer, const std::string& server) {
  auto bad = [](const std::string& what) {
    return local_error("invalid_response", "the session the server sent " + what);
  };
  if (!answer.is_object()) throw bad("is not a JSON object");
  session s;
  s.server = server;
  for (auto [name, out] :
       {std::pair{"access_token", &s.access_token}, std::pair{"refresh_token", &s.refresh_token}}) {
    auto it = answer.find(name);
    if (it == answer.end() || !it->is_string() || it->get_ref<const std::string&>().empty())
      throw bad(std::string("has no \"") + name + "\"");
    *out = it->get<std::string>();
  }
  auto expires_in = answer.find("expires_in");
  if (expires_in == answer.end() || !expires_in->is_number_integer())
    throw bad("has no \"expires_in\"");
  s.access_expires_at = now_seconds() + expires_in->get<int64_t>();
  s.user = answer.value("user", nlohmann::json());
  return s;
}

}  // namespace tessera::cli
