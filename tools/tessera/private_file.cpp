#include "private_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "cli_error.hpp"
#include "key_file.hpp"

namespace tessera::cli {

namespace {

std::string errno_text() {
  return std::strerror(errno);
}

// Writes all of `text` and syncs it, or reports errno.
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

}  // namespace

std::string directory_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string read_private_file(const std::string& path, const std::string& what,
                              const std::string& error_code, size_t max_bytes) {
  auto fail = [&](const std::string& why) { return local_error(error_code, path + ": " + why); };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw fail("cannot open: " + errno_text());
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw fail("not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    std::cerr << "warning: " << what << " " << path << " has mode " << mode
              << " (group or others can access it); run: chmod 600 " << path << "\n";
  }
  if (static_cast<size_t>(st.st_size) > max_bytes) {
    ::close(fd);
    throw fail("too large to be a " + what);
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
      throw fail("cannot read: " + why);
    }
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  return text;
}

void create_private_file(const std::string& path, const std::string& text,
                         const std::string& error_code, const std::string& exists_hint) {
  auto fail = [&](const std::string& why) { return local_error(error_code, path + ": " + why); };
  // O_EXCL: never follow or clobber whatever is there; 0600 from the first byte.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) throw fail("already exists; " + exists_hint);
    throw fail("cannot create: " + errno_text());
  }
  bool ok = write_all(fd, text);
  auto why = errno_text();
  if (::close(fd) != 0 || !ok) {
    ::unlink(path.c_str());
    throw fail("cannot write: " + why);
  }
}

void replace_private_file(const std::string& path, const std::string& text,
                          const std::string& error_code) {
  auto fail = [&](const std::string& why) { return local_error(error_code, path + ": " + why); };
  // mkstemp opens with O_CREAT|O_EXCL and mode 0600.
  std::string temp = path + ".tmp-XXXXXX";
  int fd = ::mkstemp(temp.data());
  if (fd < 0) throw fail("cannot create a temporary file beside it: " + errno_text());
  bool ok = write_all(fd, text);
  auto why = errno_text();
  if (::close(fd) != 0 || !ok) {
    ::unlink(temp.c_str());
    throw fail("cannot write: " + why);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    why = errno_text();
    ::unlink(temp.c_str());
    throw fail("cannot replace: " + why);
  }
  // Make the rename itself durable.
  int dir = ::open(directory_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

}  // namespace tessera::cli
