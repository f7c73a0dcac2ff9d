// Writes the signed and encoded seeds of tests/fuzz/corpus (the hand-written ones are
// committed as they are): cards, RFC 9421 headers, JWTs, signaling frames and page
// tokens made with the real code and the keys and secrets the fuzz targets use.
//   cmake --build build-fuzz --target make_seeds && build-fuzz/make_seeds tests/fuzz/corpus
#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "protocol/agent_card.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/crypto.hpp"
#include "protocol/directory_token.hpp"
#include "protocol/encoding.hpp"
#include "protocol/http_signature.hpp"
#include "protocol/jwt.hpp"
#include "protocol/signal_frame.hpp"
#include "protocol/signaling.hpp"

using namespace tessera;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

fs::path root;

void write(const std::string& target, const std::string& name, const std::string& bytes) {
  fs::create_directories(root / target);
  std::ofstream(root / target / name, std::ios::binary) << bytes;
}

crypto::key_pair key_from(char byte) {
  return crypto::key_pair_from_seed(std::string(crypto::seed_size, byte));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_seeds CORPUS_DIR\n";
    return 2;
  }
  root = argv[1];
  crypto::init();
  auto alice = key_from('\x11');
  auto bob = key_from('\x22');
  auto alice_id = agent_id::from_public_key(alice.public_key);
  auto bob_id = agent_id::from_public_key(bob.public_key);

  // Cards: a full one and a minimal one, signed; the full one with a broken signature.
  json full = {{"name", "Echo \xe2\x82\xac"},
               {"description", "Repeats what it hears."},
               {"version", "1.2.0"},
               {"url", "https://echo.example.com/a2a"},
               {"protocols", {"a2a", "mcp"}},
               {"skills",
                {{{"id", "echo"}, {"name", "Echo"}, {"tags", {"text", "debug"}}},
                 {{"id", "shout"}, {"name", "Shout"}, {"description", "Louder."}}}},
               {"tags", {"utility", "text"}},
               {"metadata", {{"region", "eu"}, {"n", 3}}}};
  json minimal = {{"name", "m"}, {"version", "1"}, {"url", "http://[::1]:8080/"},
                  {"protocols", {"http"}}};
  auto signed_full = card::sign(full, alice);
  write("agent_card", "signed_full.json", signed_full.dump(2));
  write("agent_card", "signed_minimal.json", card::sign(minimal, bob).dump());
  auto broken = signed_full;
  broken["name"] = "Echo!";
  write("agent_card", "bad_signature.json", broken.dump());

  // RFC 9421: seven '\n'-separated fields (see http_signature.cpp), created = the
  // target's clock, 1'700'000'000.
  auto request = [&](const std::string& name, std::string method, std::string path,
                     std::string query, std::string body) {
    auto h = http_signature::sign(method, path, query, body, alice, alice_id, 1'700'000'000,
                                  "nonce-" + name);
    write("http_signature", name,
          h.signature_input + "\n" + h.signature + "\n" + h.content_digest + "\n" + method +
              "\n" + path + "\n" + query + "\n" + body);
  };
  request("post_agents", "POST", "/api/v1/agents", "", signed_full.dump());
  request("get_with_query", "GET", "/api/v1/agents/" + alice_id, "fields=card&x=%20", "");
  request("delete", "DELETE", "/api/v1/agents/" + alice_id, "", "");
  request("heartbeat", "post", "/api/v1/agents/" + alice_id + "/heartbeat", "", "{}");

  // JWTs under the fuzz target's secret and clock.
  const std::string secret = "fuzz-secret-0123456789abcdef0123";
  write("jwt", "user", jwt::sign({"u-1", "user", "j-1", 1'699'999'000, 1'700'000'900, "s-1"}, secret));
  write("jwt", "admin_no_sid", jwt::sign({"u-2", "admin", "j-2", 1'699'999'000, 1'800'000'000, ""}, secret));
  write("jwt", "expired", jwt::sign({"u-3", "user", "j-3", 1'600'000'000, 1'600'000'900, ""}, secret));
  write("jwt", "other_secret", jwt::sign({"u-4", "user", "j-4", 1'699'999'000, 1'800'000'000, ""},
                                         "another-secret-of-32-bytes-......"));
  write("jwt", "claims", "user-7|admin|jti-7|sid-7");

  // Signaling frames (the target's own id is the key of 32 bytes 0x01).
  auto to = bob_id;
  write("signal_frame", "offer", json{{"type", "offer"}, {"to", to}, {"sdp", "v=0\r\n"}}.dump());
  write("signal_frame", "ice", json{{"type", "ice_candidate"}, {"to", to},
                                    {"candidate", {{"candidate", "a"}, {"sdpMLineIndex", 0}}}}.dump());
  write("signal_frame", "relay_data", json{{"type", "relay_data"}, {"to", to}, {"relay_id", "r_1-x"},
                                           {"data", "aGVsbG8"}}.dump());
  write("signal_frame", "relay_open", json{{"type", "relay_open"}, {"to", to}, {"relay_id", "r1"}}.dump());
  write("signal_frame", "notification", json{{"type", "notification"}, {"to", to},
                                             {"payload", {{"k", 1.5}, {"l", {1, 2, nullptr}}}}}.dump());
  write("signal_frame", "ping", R"({"type":"ping","id":7})");
  write("signal_frame", "auth", json{{"type", "auth"}, {"agent_id", alice_id},
                                     {"signature", encoding::base64url_encode(crypto::sign(
                                         alice.secret_key, signal::auth_message("n", alice_id)))}}.dump());
  signal_envelope env{bob_id, alice_id, "offer", R"({"type":"offer","sdp":"v=0"})", 1'732'000'000'123, 1};
  write("signal_frame", "envelope", to_json(env));

  // Page tokens for each sort, and query strings.
  directory_entry last;
  last.agent.id = alice_id;
  last.agent.name = "Zo\xc3\xab \"quoted\" agent";
  last.agent.registered_at = 1'700'000'123'456;
  last.rank_class = -1;
  last.rank_mag = -1234.5678901234567;
  for (const char* sort : {"reputation", "name", "registered_at"})
    write("directory_token", std::string("token_") + sort, directory_token::page_token(sort, last));
  write("directory_token", "query",
        "q=translate text&sort=name&limit=50&protocol=a2a&status=online&verified=true&page_token=" +
            directory_token::page_token("name", last));
  write("directory_token", "query_min_score", "min_score=0.75&skill=echo&tag=text&category=tools");
  std::cout << "seeds written under " << root << "\n";
  return 0;
}
