#!/usr/bin/env bash
# Flame graph of the engine's replay loop in one benchmark regime.
#   scripts/flamegraph.sh [REGIME] [OUT.svg]      default: crash docs/img/flame_crash.svg
# Samples with perf's cpu-clock software event (hardware counters are not
# available on every VM) and frame-pointer call graphs, so it needs a build
# with frame pointers kept: the release preset (build/b-release) has them.
# Only stacks through the replay loop are kept (workload generation is not
# part of the measurement); inlined frames are recovered from the debug info
# with addr2line. Folding and rendering: scripts/flamegraph.py.
set -euo pipefail
cd "$(dirname "$0")/.."
regime=${1:-crash}
out=${2:-docs/img/flame_${regime}.svg}
bin=${RIALTO_BIN:-build/b-release/apps/rialto/rialto}
if [[ ! -x $bin ]]; then
  echo "flamegraph: $bin not found; build it: cmake --preset release -B build/b-release && cmake --build build/b-release --target rialto" >&2
  exit 1
fi
command -v perf >/dev/null || { echo "flamegraph: perf not found (Debian package linux-perf)" >&2; exit 1; }
mkdir -p build/perf "$(dirname "$out")"
data=build/perf/${regime}.data
perf record -q -e cpu-clock -F 4999 --call-graph=fp -o "$data" -- \
  "$bin" bench --regimes "$regime" --no-latency --no-lookahead --rounds "${RIALTO_FLAME_ROUNDS:-5}" >/dev/null
perf script -i "$data" 2>/dev/null >"build/perf/${regime}.script"
scripts/flamegraph.py --root replay --inline "$bin" --folded <"build/perf/${regime}.script" >"build/perf/${regime}.folded"
scripts/flamegraph.py --root replay --inline "$bin" \
  --title "rialto engine, regime ${regime}: replay loop (perf cpu-clock, frame pointers, inlined frames via addr2line)" \
  <"build/perf/${regime}.script" >"$out"
echo "flamegraph: wrote $out (folded stacks: build/perf/${regime}.folded)" >&2
