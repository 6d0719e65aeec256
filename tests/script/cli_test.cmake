# Runs the `rialto` CLI once for one case and checks its exit status, its whole
# stdout and its whole stderr.
#
#   cmake -DRIALTO=<exe> -DSOURCE_DIR=<repo root> -DOUT_DIR=<scratch dir>
#         -DVERSION=<project version> -DCASE=<name> -P cli_test.cmake
#
# The CLI runs in SOURCE_DIR (paths in messages are relative to it) except for
# the run.sh cases, which run from a scratch directory to show that run.sh takes
# relative paths from the caller's directory. A case that cannot run on this
# machine prints "SKIPPED: <why>" (the test's SKIP_REGULAR_EXPRESSION).

cmake_minimum_required(VERSION 3.25)
foreach(var RIALTO SOURCE_DIR OUT_DIR VERSION CASE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "cli_test.cmake: -D${var}=... is required")
  endif()
endforeach()

set(out ${OUT_DIR}/${CASE})
file(MAKE_DIRECTORY ${OUT_DIR})
set(dir ${SOURCE_DIR})
set(stdout_file ${out}.stdout)
set(want_rc "")
set(want_out "")
set(want_err "")
set(env "")

# Cases named *dev_full* write stdout to /dev/full (every write fails with ENOSPC).
if(CASE MATCHES "dev_full")
  if(NOT EXISTS /dev/full)
    message("SKIPPED: /dev/full does not exist on this machine")
    return()
  endif()
  set(stdout_file /dev/full)
endif()

if(CASE STREQUAL "script_directory")
  # SEMANTICS.md: a file that cannot be read is a message and exit status 1
  # (one that cannot be opened: scenario.missing_file).
  set(cmd script tests/scenarios)
  set(want_rc 1)
  set(want_err "rialto script: cannot read tests/scenarios: Is a directory\n")
elseif(CASE MATCHES "^script_dev_full_(.*)$")
  # Output that cannot be written is an error, never a silent exit 0.
  set(scenario ${CMAKE_MATCH_1})
  set(cmd script tests/scenarios/${scenario}.script)
  set(want_rc 1)
  set(want_err "rialto script: cannot write output: No space left on device\n")
  if(scenario STREQUAL "bad_enum_tif")
    # The malformed line is still reported, after the write error.
    string(APPEND want_err "tests/scenarios/bad_enum_tif.script:9: new: tif 'gtd' is not one of gtc|day|ioc|fok\n")
  endif()
elseif(CASE STREQUAL "unknown_subcommand")
  set(cmd foo)
  set(want_rc 2)
  set(want_err "rialto: unknown subcommand 'foo' (try --help)\n")
elseif(CASE STREQUAL "unknown_subcommand_before_script")
  set(cmd lint script tests/scenarios/basic_book.script)
  set(want_rc 2)
  set(want_err "rialto: unknown subcommand 'lint' (try --help)\n")
elseif(CASE STREQUAL "unknown_subcommand_escaped")
  set(cmd "it's\\")
  set(want_rc 2)
  set(want_err "rialto: unknown subcommand 'it\\'s\\\\' (try --help)\n")
elseif(CASE STREQUAL "version")
  set(cmd --version)
  set(want_rc 0)
  set(want_out "rialto ${VERSION}\n")
elseif(CASE MATCHES "^dev_full_(version|bench_help)$")
  # Whatever the subcommand, output that cannot be written is exit status 1.
  if(CMAKE_MATCH_1 STREQUAL "version")
    set(cmd --version)
  else()
    set(cmd bench --help)
  endif()
  set(want_rc 1)
  set(want_err "rialto: cannot write output\n")
elseif(CASE STREQUAL "run_sh_relative_path")
  # scripts/run.sh script FILE: FILE is relative to the caller's directory.
  set(dir ${out}.cwd)
  file(REMOVE_RECURSE ${dir})
  file(MAKE_DIRECTORY ${dir}/sub)
  file(COPY_FILE ${SOURCE_DIR}/tests/scenarios/basic_book.script ${dir}/sub/my.script)
  set(runner bash ${SOURCE_DIR}/scripts/run.sh)
  set(env TEST_RIALTO_EXE=${RIALTO})
  set(cmd script sub/my.script)
  set(want_rc 0)
  file(READ ${SOURCE_DIR}/tests/scenarios/basic_book.expected want_out)
else()
  message(FATAL_ERROR "cli_test.cmake: unknown CASE ${CASE}")
endif()

if(NOT DEFINED runner)
  set(runner ${RIALTO})
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env ${env} ${runner} ${cmd}
                WORKING_DIRECTORY ${dir}
                OUTPUT_FILE ${stdout_file} ERROR_FILE ${out}.stderr
                RESULT_VARIABLE rc TIMEOUT 120)
file(READ ${out}.stderr err)
set(got_out "")
if(NOT stdout_file STREQUAL "/dev/full")
  file(READ ${stdout_file} got_out)
endif()

set(failures "")
if(NOT rc STREQUAL want_rc)
  string(APPEND failures "  - exit status ${rc}, expected ${want_rc}\n")
endif()
if(NOT got_out STREQUAL want_out)
  string(APPEND failures "  - stdout was:\n${got_out}\n    expected:\n${want_out}\n")
endif()
if(NOT err STREQUAL want_err)
  string(APPEND failures "  - stderr was:\n${err}\n    expected:\n${want_err}\n")
endif()
if(failures)
  message(FATAL_ERROR "cli case ${CASE} FAILED:\n${failures}")
endif()
message("cli case ${CASE} passed")
