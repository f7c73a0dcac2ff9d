#include "signed_client.hpp"

#include <netdb.h>

#include <chrono>

#include "cli_error.hpp"
#include "protocol/encoding.hpp"
#include "protocol/http_signature.hpp"

namespace tessera::cli {

namespace {

constexpr time_t timeout_seconds = 10;
constexpr size_t nonce_bytes = 16;
constexpr size_t max_message_in_error = 200;

int64_t now_seconds() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

// httplib's error names ("Connection", "Read") in words. httplib reports an
// unknown host and a refused connection alike, so a failed connect asks the
// resolver again to tell them apart.
std::string describe(httplib::Error error, const std::string& host) {
  using httplib::Error;
  switch (error) {
    case Error::Connection: {
      auto name = host.size() > 2 && host.front() == '[' ? host.substr(1, host.size() - 2) : host;
      addrinfo hints{};
      hints.ai_socktype = SOCK_STREAM;
      addrinfo* found = nullptr;
      int rc = ::getaddrinfo(name.c_str(), nullptr, &hints, &found);
      if (found) ::freeaddrinfo(found);
      if (rc != 0) return "cannot resolve host " + name + ": " + ::gai_strerror(rc);
      return "connection refused or unreachable";
    }
    case Error::ConnectionTimeout:
      return "connection timed out";
    case Error::Read:
      return "no answer (connection closed or read timed out)";
    case Error::Write:
      return "cannot send the request (connection closed or timed out)";
    case Error::SSLConnection:
      return "TLS handshake failed";
    case Error::SSLLoadingCerts:
      return "cannot load the CA certificates";
    case Error::SSLServerVerification:
      return "the server's TLS certificate is not trusted";
    default:
      return httplib::to_string(error);
  }
}

}  // namespace

signed_client::signed_client(const server_url& server)
    : origin_(server.origin()), host_(server.host), client_(server.origin()) {
  client_.set_connection_timeout(timeout_seconds);
  client_.set_read_timeout(timeout_seconds);
  client_.set_write_timeout(timeout_seconds);
  // We encode paths and queries ourselves, so the bytes we sign are the bytes we send.
  client_.set_url_encode(false);
  client_.set_keep_alive(true);  // --all and heartbeat loops reuse one connection
}

http_response signed_client::get(const std::string& path, const std::string& query) {
  httplib::Request request;
  request.method = "GET";
  request.path = query.empty() ? path : path + "?" + query;
  return send(request);
}

http_response signed_client::send_plain(const std::string& method, const std::string& path,
                                        const std::string& body, const std::string& bearer) {
  httplib::Request request;
  request.method = method;
  request.path = path;
  if (!bearer.empty()) request.headers.emplace("Authorization", "Bearer " + bearer);
  if (!body.empty()) {
    request.headers.emplace("Content-Type", "application/json");
    request.body = body;
  }
  return send(request);
}

http_response signed_client::send_signed(const std::string& method, const std::string& path,
                                         const std::string& body, const agent_key& key,
                                         const std::string& query) {
  auto nonce = encoding::base64url_encode(crypto::random_bytes(nonce_bytes));
  auto sig =
      http_signature::sign(method, path, query, body, key.pair, key.id, now_seconds(), nonce);
  httplib::Request request;
  request.method = method;
  request.path = query.empty() ? path : path + "?" + query;
  request.headers.emplace("Signature-Input", sig.signature_input);
  request.headers.emplace("Signature", sig.signature);
  if (!body.empty()) {
    request.headers.emplace("Content-Digest", sig.content_digest);
    request.headers.emplace("Content-Type", "application/json");
    request.body = body;
  }
  return send(request);
}

http_response signed_client::stream(const std::string& path, const httplib::Headers& headers,
                                    const std::function<bool(std::string_view)>& on_data,
                                    time_t stall_seconds) {
  httplib::Client client(origin_);
  client.set_connection_timeout(timeout_seconds);
  client.set_read_timeout(stall_seconds);
  client.set_url_encode(false);
  auto all = headers;
  all.emplace("Accept", "text/event-stream");
  all.emplace("User-Agent", "tessera-cli/0.1");
  http_response out;
  bool streaming = false, stopped = false;
  auto result = client.Get(
      path, all,
      [&](const httplib::Response& r) {
        out.status = r.status;
        streaming = r.status >= 200 && r.status < 300;
        return true;
      },
      [&](const char* data, size_t n) {
        if (!streaming) {
          out.body.append(data, n);
          return true;
        }
        stopped = !on_data(std::string_view(data, n));
        return !stopped;
      });
  if (!result && out.status == 0)
    throw cli_error(exit_unreachable, "unreachable",
                    "cannot reach " + origin_ + ": " + describe(result.error(), host_));
  return out;
}

http_response signed_client::send(httplib::Request& request) {
  request.headers.emplace("Accept", "application/json");
  request.headers.emplace("User-Agent", "tessera-cli/0.1");
  auto result = client_.send(request);
  if (!result) {
    throw cli_error(exit_unreachable, "unreachable",
                    "cannot reach " + origin_ + ": " + describe(result.error(), host_));
  }
  return {result->status, result->body};
}

nlohmann::json expect_success(const http_response& response) {
  nlohmann::json doc;
  bool is_json = true;
  if (response.body.empty()) {
    doc = nullptr;
  } else {
    doc = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    is_json = !doc.is_discarded();
  }
  if (response.status >= 200 && response.status < 300) {
    if (!is_json) throw local_error("invalid_response", "the server's answer is not JSON");
    return doc;
  }
  if (is_json && doc.is_object() && doc.contains("error") && doc["error"].is_object()) {
    const auto& error = doc["error"];
    auto field = [&](const char* name, std::string fallback) {
      auto it = error.find(name);
      return it != error.end() && it->is_string() ? it->get<std::string>() : fallback;
    };
    auto code = field("code", "http_" + std::to_string(response.status));
    auto message = field("message", "");
    throw cli_error(exit_failed, code, message, doc);
  }
  // Not our error format (a proxy, or a route that does not exist).
  std::string message = "the server answered HTTP " + std::to_string(response.status);
  if (!response.body.empty() && !is_json) message = response.body.substr(0, max_message_in_error);
  throw cli_error(exit_failed, "http_" + std::to_string(response.status), message);
}

std::string percent_encode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string build_query(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string query;
  for (const auto& [name, value] : params) {
    if (value.empty()) continue;
    if (!query.empty()) query += '&';
    query += percent_encode(name) + "=" + percent_encode(value);
  }
  return query;
}

}  // namespace tessera::cli
