#!/usr/bin/env bash
# The long kill -9 run (issue 10: at least 200 cycles): builds the debug
# preset's crash test and runs it with RIALTO_CRASH_CYCLES cycles on one data
# directory. ctest runs the same binary with 8 cycles.
#   scripts/crash_test.sh [--cycles N] [--seed S]
set -euo pipefail
cd "$(dirname "$0")/.."
cycles=200
seed=""
while [ $# -gt 0 ]; do
  case "$1" in
    --cycles) cycles="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    *) echo "usage: scripts/crash_test.sh [--cycles N] [--seed S]" >&2; exit 2 ;;
  esac
done
cmake --preset debug >/dev/null
cmake --build build/debug --target rialto rialto_e2e_crash_tests -j "${RIALTO_JOBS:-2}" >/dev/null
RIALTO_CRASH_CYCLES="$cycles" RIALTO_CRASH_SEED="$seed" exec build/debug/tests/e2e/rialto_e2e_crash_tests
