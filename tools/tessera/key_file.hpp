#pragma once
// The agent's key file: JSON {"type":"ed25519","id","public_key","private_key"}
// with base64url keys (the private key is the 32-byte RFC 8032 seed). The file
// is created 0600 and its secret never leaves this module except as a key_pair.
#include <string>

#include "protocol/crypto.hpp"

namespace tessera::cli {

struct agent_key {
  std::string id;  // did:key fingerprint, "z6Mk..."
  crypto::key_pair pair;

  agent_key() = default;
  agent_key(const agent_key&) = delete;  // one copy of the secret is enough
  agent_key& operator=(const agent_key&) = delete;
  agent_key(agent_key&&) = default;
  agent_key& operator=(agent_key&&) = default;
  ~agent_key();
};

agent_key generate_agent_key();

/// Reads and checks a key file; throws cli_error (code "key_file") naming what
/// is wrong. Warns on stderr when the file is readable by group or others.
agent_key load_key_file(const std::string& path);

/// Writes a new key file with mode 0600 from the start. Without `force` an
/// existing file is an error; with it the file is replaced atomically.
void write_key_file(const std::string& path, const agent_key& key, bool force);

/// Overwrites a string that held secret bytes (best effort, not optimized away).
void wipe(std::string& secret);

}  // namespace tessera::cli
