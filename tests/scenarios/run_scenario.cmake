# Runs one golden scenario through `rialto script` and compares the result.
#
#   cmake -DRIALTO=<exe> -DSOURCE_DIR=<repo root> -DOUT_DIR=<scratch dir>
#         -DNAME=<scenario> [-DMODE=file|stdin|missing]
#         [-DEXPECTED_NAME=<scenario>] [-DTAG=<name for the output files>]
#         -P run_scenario.cmake
#
# The CLI runs in SOURCE_DIR with the relative path tests/scenarios/NAME.script, so
# error messages name a predictable FILE.
#   file         `rialto script [ARGS] tests/scenarios/NAME.script`
#   stdin        `rialto script [ARGS] -` with the file on stdin; FILE in messages is <stdin>
#   missing      a file that does not exist: exit status 1, empty stdout, the message
#                `rialto script: cannot open FILE: No such file or directory`
# ARGS: the options in NAME.args (one line, split like a shell command line without
# quoting), when that file exists, e.g. `--max-orders 1`.
# Checks, each reported on its own:
#   stdout       byte for byte equal to NAME.expected (EXPECTED_NAME.expected if given)
#   stderr       empty, or when NAME.stderr exists: byte for byte equal to it (in
#                stdin mode with tests/scenarios/NAME.script in it read as <stdin>)
#   exit status  NAME.status (a number), or 0 without that file
# Any failed check ends the script with FATAL_ERROR, which fails the ctest test.

cmake_minimum_required(VERSION 3.25)

foreach(var RIALTO SOURCE_DIR OUT_DIR NAME)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_scenario.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT DEFINED MODE)
  set(MODE file)
endif()
if(NOT DEFINED EXPECTED_NAME)
  set(EXPECTED_NAME ${NAME})
endif()

set(rel tests/scenarios/${NAME}.script)
set(base ${SOURCE_DIR}/tests/scenarios)
# Each test writes its own files (TAG: the ctest name) so parallel runs never share one.
if(NOT DEFINED TAG)
  set(TAG ${NAME}.${MODE})
endif()
set(out ${OUT_DIR}/${TAG})
file(MAKE_DIRECTORY ${OUT_DIR})

set(args "")
if(EXISTS ${base}/${NAME}.args)
  file(READ ${base}/${NAME}.args args)
  string(STRIP "${args}" args)
  separate_arguments(args UNIX_COMMAND "${args}")
endif()

set(failures "")
macro(fail what)
  string(APPEND failures "  - ${what}\n")
endmacro()

# Runs the CLI once; leaves stdout in <prefix>.stdout, stderr in <prefix>.stderr and
# the exit status (or the reason it did not exit, e.g. a signal) in the variable rc.
function(run_cli prefix)
  if(MODE STREQUAL "stdin")
    execute_process(COMMAND ${RIALTO} script ${args} -
                    INPUT_FILE ${SOURCE_DIR}/${rel}
                    WORKING_DIRECTORY ${SOURCE_DIR}
                    OUTPUT_FILE ${prefix}.stdout ERROR_FILE ${prefix}.stderr
                    RESULT_VARIABLE status TIMEOUT 120)
  elseif(MODE STREQUAL "missing")
    execute_process(COMMAND ${RIALTO} script tests/scenarios/${NAME}.does-not-exist.script
                    WORKING_DIRECTORY ${SOURCE_DIR}
                    OUTPUT_FILE ${prefix}.stdout ERROR_FILE ${prefix}.stderr
                    RESULT_VARIABLE status TIMEOUT 120)
  else()
    execute_process(COMMAND ${RIALTO} script ${args} ${rel}
                    WORKING_DIRECTORY ${SOURCE_DIR}
                    OUTPUT_FILE ${prefix}.stdout ERROR_FILE ${prefix}.stderr
                    RESULT_VARIABLE status TIMEOUT 120)
  endif()
  set(rc "${status}" PARENT_SCOPE)
endfunction()

# Prints a unified diff of two files (diff -u when available, else both in full).
function(show_diff expected actual)
  find_program(DIFF_EXE diff)
  if(DIFF_EXE)
    execute_process(COMMAND ${DIFF_EXE} -u --label expected --label actual ${expected} ${actual}
                    OUTPUT_VARIABLE d ERROR_VARIABLE d)
    message("${d}")
  else()
    file(READ ${expected} e)
    file(READ ${actual} a)
    message("--- expected\n${e}--- actual\n${a}")
  endif()
endfunction()

run_cli(${out})
message("rialto script: exit status ${rc}")
file(READ ${out}.stderr err)
if(NOT err STREQUAL "")
  message("stderr was:\n${err}")
endif()

# --- missing file: only status, silence on stdout and a message
if(MODE STREQUAL "missing")
  file(SIZE ${out}.stdout n)
  if(NOT rc STREQUAL "1")
    fail("exit status ${rc}, expected 1 for a file that cannot be opened")
  endif()
  if(NOT n EQUAL 0)
    fail("stdout is not empty")
  endif()
  set(want "rialto script: cannot open tests/scenarios/${NAME}.does-not-exist.script: No such file or directory\n")
  if(NOT err STREQUAL want)
    fail("stderr is not `${want}`")
  endif()
  if(failures)
    message(FATAL_ERROR "scenario ${NAME} (${MODE}) FAILED:\n${failures}")
  endif()
  message("scenario ${NAME} (${MODE}) passed")
  return()
endif()

# --- stdout
set(expected_file ${base}/${EXPECTED_NAME}.expected)
if(NOT EXISTS ${expected_file})
  message(FATAL_ERROR "missing ${expected_file}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${expected_file} ${out}.stdout
                RESULT_VARIABLE same)
if(NOT same EQUAL 0)
  fail("stdout differs from ${EXPECTED_NAME}.expected (diff below)")
  show_diff(${expected_file} ${out}.stdout)
endif()

# --- exit status
set(want_rc 0)
if(EXISTS ${base}/${NAME}.status)
  file(READ ${base}/${NAME}.status want_rc)
  string(STRIP "${want_rc}" want_rc)
endif()
if(NOT rc STREQUAL want_rc)
  fail("exit status ${rc}, expected ${want_rc}")
endif()

# --- stderr
if(EXISTS ${base}/${NAME}.stderr)
  set(want_err ${base}/${NAME}.stderr)
  if(MODE STREQUAL "stdin")
    # The expected file names the path; read from stdin the FILE is <stdin>.
    file(READ ${want_err} e)
    string(REPLACE "${rel}:" "<stdin>:" e "${e}")
    set(want_err ${out}.want.stderr)
    file(WRITE ${want_err} "${e}")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${want_err} ${out}.stderr
                  RESULT_VARIABLE same)
  if(NOT same EQUAL 0)
    fail("stderr differs from ${NAME}.stderr (diff below)")
    show_diff(${want_err} ${out}.stderr)
  endif()
elseif(NOT err STREQUAL "")
  fail("stderr is not empty")
endif()

if(failures)
  message(FATAL_ERROR "scenario ${NAME} (${MODE}) FAILED:\n${failures}")
endif()
message("scenario ${NAME} (${MODE}) passed")
