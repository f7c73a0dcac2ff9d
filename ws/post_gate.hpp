#pragma once
// Lets objects that outlive the I/O threads (sinks held by actors) post to
// them only while they run: the server closes the gate before it stops them.
#include <shared_mutex>

namespace tessera::ws {

struct post_gate {
  std::shared_mutex m;
  bool open = true;
};

}  // namespace tessera::ws
