# scripts/run.sh builds `rialto` with RIALTO_BUILD_TESTS=OFF and RIALTO_BUILD_BENCH=OFF
# after installing only `scripts/setup.sh run` (compiler, cmake, ninja, CLI11, toml++,
# boost, asio). This configures that build with every test and benchmark package made
# unfindable: the CMake packages disabled, and /usr/include ignored by find_path (the
# header-only ones; boost's and asio's locations are given, as run packages). Configuring must still succeed, so a find_package or find_path for a test or
# bench package outside its option fails this test.
#
#   cmake -DSOURCE_DIR=<repo root> -DBUILD_DIR=<scratch> -DCXX=<compiler> -P run_build_test.cmake

cmake_minimum_required(VERSION 3.25)
foreach(var SOURCE_DIR BUILD_DIR CXX)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_build_test.cmake: -D${var}=... is required")
  endif()
endforeach()
file(REMOVE_RECURSE ${BUILD_DIR})
execute_process(
  COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${BUILD_DIR} -G Ninja
          -DCMAKE_CXX_COMPILER=${CXX}
          -DRIALTO_BUILD_TESTS=OFF -DRIALTO_BUILD_BENCH=OFF
          -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON
          -DCMAKE_DISABLE_FIND_PACKAGE_rapidcheck=ON
          -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON
          # boost and asio are run packages (headers in /usr/include): found
          # where they are, before /usr/include is hidden from every other search.
          -DBoost_INCLUDE_DIR=/usr/include
          -DRIALTO_ASIO_INCLUDE=/usr/include
          -DCMAKE_IGNORE_PATH=/usr/include
  RESULT_VARIABLE rc OUTPUT_VARIABLE log ERROR_VARIABLE log TIMEOUT 300)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring the run.sh build without test and bench packages failed (${rc}):\n${log}")
endif()
file(REMOVE_RECURSE ${BUILD_DIR})
message("the run.sh build configures without test and bench packages")
