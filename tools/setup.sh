# shellcheck shell=bash
# Shared set-up for tools/run and tools/test; sourced, not executed.
#
# Provides:
#   TESSERA_ROOT                     the repository root (resolved from this file's path)
#   TESSERA_BUILD_DIR                $TESSERA_ROOT/build, shared by tools/run and tools/test
#   TESSERA_BUILD_PACKAGES           Debian 12 packages needed to build and run tesserad
#   TESSERA_TEST_PACKAGES            extra packages tools/test needs (servers and probes)
#   tessera_install_packages PKG...  installs those of PKG that are missing
#   tessera_build [TARGET...]        configures (Release) and builds into $TESSERA_BUILD_DIR

TESSERA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TESSERA_BUILD_DIR="$TESSERA_ROOT/build"

# libssl-dev, zlib1g-dev and libbrotli-dev are also what cpp-httplib's pkg-config file lists
# as Requires.private: pkg-config refuses to resolve cpp-httplib without their .pc files.
# shellcheck disable=SC2034 # used by the scripts that source this file
TESSERA_BUILD_PACKAGES=(
  build-essential g++ cmake pkg-config ccache
  libcaf-dev libcpp-httplib-dev
  libboost-dev libboost-test-dev libboost-system-dev
  libsodium-dev libsoci-dev libsqlite3-dev libpq-dev
  nlohmann-json3-dev libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev
  libjwt-dev libhiredis-dev
  libssl-dev zlib1g-dev libbrotli-dev
  sqlite3
)

# postgresql pulls in the version-15 server (/usr/lib/postgresql/15/bin) and creates the
# `postgres` user; redis-server pulls in redis-tools (redis-cli); procps gives ps/kill,
# iproute2 gives ss; wrk and nginx-light are bench_front's load generator and its baseline;
# clang and libclang-rt-14-dev (libFuzzer and the sanitizer runtimes, only recommended by
# clang-14) build tools/fuzz's targets.
# shellcheck disable=SC2034
TESSERA_TEST_PACKAGES=(postgresql redis-server procps iproute2 curl wrk nginx-light
  clang libclang-rt-14-dev)

# True when dpkg knows PKG as fully installed.
tessera_package_installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]
}

# Installs whichever of the given packages are missing; does nothing (and needs no root
# nor network) when all are there already.
tessera_install_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    tessera_package_installed "$pkg" || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    return 0
  fi

  if ((EUID != 0)); then
    echo "error: missing Debian packages (run as root, or install them): ${missing[*]}" >&2
    exit 1
  fi
  echo "Installing missing Debian packages: ${missing[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

# Configures and builds Release into $TESSERA_BUILD_DIR. With no arguments it builds every
# target; otherwise only the named ones. Configuring an existing build tree again is cheap
# and keeps it Release; ccache is picked up by CMakeLists.txt when it is installed.
tessera_build() {
  local targets=()
  if (($# > 0)); then
    targets=(--target "$@")
  fi
  cmake -S "$TESSERA_ROOT" -B "$TESSERA_BUILD_DIR" -DCMAKE_BUILD_TYPE=Release
  cmake --build "$TESSERA_BUILD_DIR" -j"$(nproc)" "${targets[@]}"
}
