#pragma once
// Files that hold secrets (the agent's key file, the session file): read
// through one descriptor so the mode we check is the mode of what we read,
// and written 0600 from the first byte. Errors are cli_error with the caller's
// code and a message that starts with the path.
#include <cstddef>
#include <string>

namespace tessera::cli {

/// The whole file (at most `max_bytes`). `what` names it in the warning printed
/// when group or others can access it ("key file", "session file").
std::string read_private_file(const std::string& path, const std::string& what,
                              const std::string& error_code, size_t max_bytes);

/// Creates `path` with `text`, failing (message "already exists; ...") if it
/// exists; never follows or clobbers whatever is there.
void create_private_file(const std::string& path, const std::string& text,
                         const std::string& error_code, const std::string& exists_hint);

/// Creates or replaces `path`: a mkstemp file beside it, renamed over, so
/// readers see the old text or the new one, never half a file.
void replace_private_file(const std::string& path, const std::string& text,
                          const std::string& error_code);

std::string directory_of(const std::string& path);

}  // namespace tessera::cli
