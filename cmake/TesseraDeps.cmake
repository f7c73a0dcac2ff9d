# The libraries Tessera builds against (Debian packages), found once for the top-level
# project and for the sanitizer build in tests/fuzz.
find_package(CAF 0.17 REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(spdlog REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS unit_test_framework)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(JWT REQUIRED IMPORTED_TARGET libjwt)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
find_library(SOCI_CORE soci_core REQUIRED)
find_library(SOCI_SQLITE3 soci_sqlite3 REQUIRED)
find_library(SOCI_POSTGRESQL soci_postgresql REQUIRED)
find_library(SQLITE3_LIB sqlite3 REQUIRED)
find_library(PQ_LIB pq REQUIRED)

# What tessera_base (config/, protocol/) and tessera_core (storage, actors, servers) link,
# beyond each other.
set(TESSERA_BASE_LIBS CAF::core PkgConfig::SODIUM PkgConfig::JWT yaml-cpp OpenSSL::Crypto
  Threads::Threads)
set(TESSERA_CORE_LIBS CAF::core CAF::io PkgConfig::HTTPLIB PkgConfig::HIREDIS spdlog::spdlog
  ${SOCI_CORE} ${SOCI_SQLITE3} ${SOCI_POSTGRESQL} ${SQLITE3_LIB} ${PQ_LIB}
  OpenSSL::SSL OpenSSL::Crypto ${CMAKE_DL_LIBS})
