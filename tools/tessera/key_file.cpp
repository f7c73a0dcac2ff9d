#include "key_file.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli_error.hpp"
#include "protocol/agent_id.hpp"
#include "protocol/encoding.hpp"

namespace tessera::cli {

namespace {

constexpr size_t max_key_file_bytes = 64 * 1024;

cli_error key_error(const std::string& path, const std::string& what) {
  return local_error("key_file", path + ": " + what);
}

std::string errno_text() {
  return std::strerror(errno);
}

// Reads the whole file through one descriptor, so the mode we check is the
// mode of the file we read.
std::string read_private_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw key_error(path, "cannot open: " + errno_text());
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw key_error(path, "not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    std::cerr << "warning: key file " << path << " has mode " << mode
              << " (group or others can access it); run: chmod 600 " << path << "\n";
  }
  if (static_cast<size_t>(st.st_size) > max_key_file_bytes) {
    ::close(fd);
    throw key_error(path, "too large to be a key file");
  }
  std::string text(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < text.size()) {
    auto n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      auto why = n < 0 ? errno_text() : std::string("file shrank while reading");
      ::close(fd);
      wipe(text);
      throw key_error(path, "cannot read: " + why);
    }
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  return text;
}

std::string string_field(const nlohmann::json& doc, const char* name, const std::string& path) {
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_string())
    throw key_error(path, std::string("\"") + name + "\" is missing or not a string");
  return it->get<std::string>();
}

// Writes all of `text` or reports errno.
bool write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    done += static_cast<size_t>(n);
  }
  return ::fsync(fd) == 0;
}

std::string directory_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

agent_key::~agent_key() {
  wipe(pair.secret_key);
}

void wipe(std::string& secret) {
  if (!secret.empty()) sodium_memzero(secret.data(), secret.size());
  secret.clear();
}

agent_key generate_agent_key() {
  crypto::init();
  agent_key key;
  key.pair = crypto::generate_key_pair();
  key.id = agent_id::from_public_key(key.pair.public_key);
  return key;
}

agent_key load_key_file(const std::string& path) {
  crypto::init();
  auto text = read_private_file(path);
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // Not e.what(): nlohmann quotes the text it choked on, which may be the secret.
    wipe(text);
    throw key_error(path, "not valid JSON (at byte " + std::to_string(e.byte) + ")");
  } catch (const nlohmann::json::exception&) {
    wipe(text);
    throw key_error(path, "not valid JSON (a number is out of range)");
  }
  wipe(text);
  if (!doc.is_object()) throw key_error(path, "must be a JSON object");
  auto type = string_field(doc, "type", path);
  if (type != "ed25519")
    throw key_error(path, "\"type\" must be \"ed25519\", not \"" + type + "\"");

  auto& private_text = doc["private_key"];
  if (!private_text.is_string())
    throw key_error(path, "\"private_key\" is missing or not a string");
  auto seed = encoding::base64url_decode(private_text.get_ref<const std::string&>());
  wipe(private_text.get_ref<std::string&>());
  if (!seed) throw key_error(path, "\"private_key\" is not base64url (no padding)");
  if (seed->size() != crypto::seed_size) {
    auto size = seed->size();
    wipe(*seed);
    throw key_error(
        path, "\"private_key\" must be a 32-byte seed, not " + std::to_string(size) + " bytes");
  }
  agent_key key;
  key.pair = crypto::key_pair_from_seed(*seed);
  wipe(*seed);
  key.id = agent_id::from_public_key(key.pair.public_key);

  auto public_key = encoding::base64url_decode(string_field(doc, "public_key", path));
  if (!public_key || public_key->size() != crypto::public_key_size)
    throw key_error(path, "\"public_key\" must be 32 bytes in base64url");
  if (*public_key != key.pair.public_key)
    throw key_error(path, "\"public_key\" does not belong to \"private_key\"");
  auto id = string_field(doc, "id", path);
  if (id != key.id)
    throw key_error(path, "\"id\" " + id + " does not match the key (" + key.id + ")");
  return key;
}

void write_key_file(const std::string& path, const agent_key& key, bool force) {
  // libsodium's secret key is seed || public key; the file keeps the seed.
  std::string seed = key.pair.secret_key.substr(0, crypto::seed_size);
  nlohmann::json doc = {
      {"type", "ed25519"},
      {"id", key.id},
      {"public_key", encoding::base64url_encode(key.pair.public_key)},
      {"private_key", encoding::base64url_encode(seed)},
  };
  wipe(seed);
  auto text = doc.dump(2) + "\n";
  wipe(doc["private_key"].get_ref<std::string&>());

  if (!force) {
    // O_EXCL: never follow or clobber whatever is there; 0600 from the first byte.
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      wipe(text);
      if (errno == EEXIST) throw key_error(path, "already exists; pass --force to replace it");
      throw key_error(path, "cannot create: " + errno_text());
    }
    bool ok = write_all(fd, text);
    auto why = errno_text();
    wipe(text);
    if (::close(fd) != 0 || !ok) {
      ::unlink(path.c_str());
      throw key_error(path, "cannot write: " + why);
    }
    return;
  }

  // Replace: a fresh 0600 temp file beside the target (mkstemp opens it with
  // O_CREAT|O_EXCL and mode 0600), then rename over, so readers see the old
  // key or the new one, never half a file.
  std::string temp = path + ".tmp-XXXXXX";
  int fd = ::mkstemp(temp.data());
  if (fd < 0) {
    wipe(text);
    throw key_error(path, "cannot create a temporary file beside it: " + errno_text());
  }
  bool ok = write_all(fd, text);
  auto why = errno_text();
  wipe(text);
  if (::close(fd) != 0 || !ok) {
    ::unlink(temp.c_str());
    throw key_error(path, "cannot write: " + why);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    why = errno_text();
    ::unlink(temp.c_str());
    throw key_error(path, "cannot replace: " + why);
  }
  // Make the rename itself durable.
  int dir = ::open(directory_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

}  // namespace tessera::cli
