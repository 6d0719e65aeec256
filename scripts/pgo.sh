#!/usr/bin/env bash
# Profile-guided optimisation of the `rialto` binary, and its measured gain.
#   1. build/pgo-base  release preset (-O3, LTO, frame pointers), the baseline
#   2. build/pgo-gen   the same with -fprofile-generate; run the bench workload
#   3. build/pgo-use   the same with -fprofile-use (profile from step 2)
#   4. run the throughput bench of both binaries in alternation and print the
#      per-regime medians side by side.
# Only the `rialto` target is built, at most RIALTO_JOBS (default 2) jobs.
# Extra `rialto bench` arguments for the comparison runs: PGO_BENCH_ARGS.
# PGO_COMPARE_ONLY=1 skips the builds and only repeats step 4.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${RIALTO_JOBS:-2}
runs=${PGO_RUNS:-3}
profile_dir=$PWD/build/pgo-profile
base_flags="-O3 -DNDEBUG -fno-omit-frame-pointer -g"
common=(-DRIALTO_WERROR=ON -DRIALTO_BUILD_TESTS=OFF -DRIALTO_BUILD_BENCH=OFF)

build() {  # build DIR EXTRA_FLAGS
  cmake --preset release -B "$1" "${common[@]}" "-DCMAKE_CXX_FLAGS_RELEASE=$base_flags $2" >/dev/null
  cmake --build "$1" --target rialto -j "$jobs" >/dev/null
}

if [[ ${PGO_COMPARE_ONLY:-0} != 1 ]]; then
  echo "pgo: building build/pgo-base" >&2
  build build/pgo-base ""
  echo "pgo: building build/pgo-gen (instrumented)" >&2
  rm -rf "$profile_dir"
  build build/pgo-gen "-fprofile-generate=$profile_dir -fprofile-update=single"
  echo "pgo: training run (every regime, throughput and latency workloads)" >&2
  build/pgo-gen/apps/rialto/rialto bench --messages 1000000 --rounds 1 --seconds 0.5 >/dev/null 2>&1
  echo "pgo: building build/pgo-use" >&2
  build build/pgo-use "-fprofile-use=$profile_dir -fprofile-partial-training -Wno-missing-profile"
fi

# Throughput lines of `rialto bench` -> "regime cpu_rate": the rate per second of
# thread CPU time (4th field from the end), which a busy machine disturbs least.
throughput() {
  "$1" bench --no-latency --no-lookahead ${PGO_BENCH_ARGS:-} 2>/dev/null |
    awk '/^== throughput/{on=1; next} on && /^(static|normal|volatile|crash|multi) /{print $1, $(NF-3)}'
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for ((i = 1; i <= runs; i++)); do
  echo "pgo: comparison run $i/$runs (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  throughput build/pgo-base/apps/rialto/rialto >>"$tmp/base"
  throughput build/pgo-use/apps/rialto/rialto >>"$tmp/pgo"
done

median() { sort -n | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
printf '%-9s %14s %14s %8s\n' regime "release M/s" "pgo M/s" gain  # per second of CPU time
for r in static normal volatile crash multi; do
  b=$(awk -v r="$r" '$1==r{print $2}' "$tmp/base" | median)
  p=$(awk -v r="$r" '$1==r{print $2}' "$tmp/pgo" | median)
  [[ -z $b || -z $p ]] && continue
  awk -v r="$r" -v b="$b" -v p="$p" 'BEGIN{printf "%-9s %14.2f %14.2f %+7.1f%%\n", r, b, p, 100*(p-b)/b}'
done
echo "(medians of $runs alternating runs, each itself a median of the bench's rounds)"
