#pragma once
#include <chrono>
#include <cstdint>

namespace tessera {

/// Wall-clock milliseconds since the epoch: the unit of every stored time.
inline int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace tessera
