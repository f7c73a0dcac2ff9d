#pragma once
// The password for `tessera login`: never an argument (ps would show it to
// every user on the machine), but the first line of stdin, or typed at a
// prompt with echo off when stdin is a terminal.
#include <string>

namespace tessera::cli {

/// With `from_stdin`, the first line of stdin (without its line ending).
/// Otherwise prompts on stderr with echo off; throws a usage error when stdin
/// is not a terminal, so piped input is only read when asked for.
std::string read_password(bool from_stdin);

}  // namespace tessera::cli
