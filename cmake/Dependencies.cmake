# Every third-party dependency is a Debian package installed by scripts/setup.sh.
# docs/DEPENDENCIES.md says why each one is here. Only what the configured parts
# need is looked for: with RIALTO_BUILD_TESTS and RIALTO_BUILD_BENCH off (the build
# of scripts/run.sh), the `rialto` CLI needs CLI11, toml++, boost (lockfree) and asio, nothing else.
find_package(Threads REQUIRED)
find_package(CLI11 CONFIG REQUIRED)        # libcli11-dev: the `rialto` command line
find_package(Boost 1.74 REQUIRED)          # libboost-dev: boost::lockfree::spsc_queue (gateway <-> shards)
find_path(RIALTO_ASIO_INCLUDE asio.hpp REQUIRED)  # libasio-dev: the server's network edge
# Every translation unit that includes asio must agree on how it allocates:
# asio picks std::aligned_alloc/free or operator new/delete per translation
# unit from what the headers included before it define, and the gateway's and
# the publisher's did not agree (AddressSanitizer: alloc-dealloc-mismatch in
# asio's thread_info_base). One choice for the whole build.
add_compile_definitions(ASIO_DISABLE_STD_ALIGNED_ALLOC)
# libtomlplusplus-dev: the venue configuration of `rialto serve` (rialto::config).
# Its CMake package (the pkg-config module `tomlplusplus` describes the same
# library) so that the run build needs no pkg-config.
find_package(tomlplusplus CONFIG REQUIRED)

if(RIALTO_BUILD_TESTS)
  find_package(GTest CONFIG REQUIRED)      # libgtest-dev
  find_package(rapidcheck CONFIG REQUIRED) # librapidcheck-dev: property tests
  include(GoogleTest)
endif()
