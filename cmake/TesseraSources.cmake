# The source lists of Tessera's libraries, for the top-level project and for the sanitizer
# build in tests/fuzz, so the two compile the same files. Needs TESSERA_ROOT.
#   TESSERA_BASE_SOURCES     pure code: config/, protocol/ (and its subfolders)
#   TESSERA_CORE_SOURCES     storage, actors and the servers
#   TESSERA_TESTKIT_SOURCES  what integration tests and benchmarks share to run a real tesserad
file(GLOB TESSERA_BASE_SOURCES CONFIGURE_DEPENDS ${TESSERA_ROOT}/config/*.cpp
  ${TESSERA_ROOT}/protocol/*.cpp ${TESSERA_ROOT}/protocol/bridge/*.cpp)
file(GLOB TESSERA_CORE_SOURCES CONFIGURE_DEPENDS ${TESSERA_ROOT}/storage/*.cpp
  ${TESSERA_ROOT}/actors/*.cpp ${TESSERA_ROOT}/net/*.cpp ${TESSERA_ROOT}/http/*.cpp
  ${TESSERA_ROOT}/ws/*.cpp)
file(GLOB TESSERA_TESTKIT_SOURCES CONFIGURE_DEPENDS ${TESSERA_ROOT}/tools/testkit/*.cpp)
