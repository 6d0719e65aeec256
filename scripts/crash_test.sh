#!/usr/bin/env bash
# The long kill -9 run (issue 10: at least 200 cycles): builds the crash test
# and `rialto` with a preset (default release: each recovery and `rialto
# replay` reads the whole journal, which a debug build makes the bulk of a
# long run) and runs it with RIALTO_CRASH_CYCLES cycles on one data
# directory. ctest runs the same binary with 8 cycles.
#   scripts/crash_test.sh [--cycles N] [--seed S] [--preset debug|release|...]
set -euo pipefail
cd "$(dirname "$0")/.."
cycles=200
seed=""
preset=release
while [ $# -gt 0 ]; do
  case "$1" in
    --cycles) cycles="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --preset) preset="$2"; shift 2 ;;
    *) echo "usage: scripts/crash_test.sh [--cycles N] [--seed S] [--preset P]" >&2; exit 2 ;;
  esac
done
cmake --preset "$preset" >/dev/null
cmake --build "build/$preset" --target rialto rialto_e2e_crash_tests -j "${RIALTO_JOBS:-2}" >/dev/null
RIALTO_CRASH_CYCLES="$cycles" RIALTO_CRASH_SEED="$seed" exec "build/$preset/tests/e2e/rialto_e2e_crash_tests"
