#!/usr/bin/env bash
# The engine of BASE_REV against the engine of the working tree, side by side:
#   scripts/bench_ab.sh BASE_REV [ROUNDS] [-- DRIVER_ARGS...]
# e.g. scripts/bench_ab.sh 549deea 5 -- --messages 2000000 --ids random64
#
# Extracts BASE_REV's include/ and src/core/ with `git archive` into a
# temporary directory (nothing of it is kept), then compiles the same driver
# (bench/ab/engine_ab.cc with the working tree's bench/engine/workload.cc)
# twice with the same flags: once against BASE_REV's headers and core, once
# against the working tree's. Runs the two binaries alternately, ROUNDS
# (default 5) times each, pinned to the last CPU, and prints per regime the
# median rate of each, their ratio, and the worst regime. Both binaries print
# a checksum of the commands they replay; the script checks they agree.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[[ $# -ge 1 ]] || { echo "usage: $0 BASE_REV [ROUNDS] [-- DRIVER_ARGS...]" >&2; exit 2; }
base_rev=$1
shift
rounds=5
if [[ $# -ge 1 && $1 != -- ]]; then rounds=$1; shift; fi
[[ $# -ge 1 && $1 == -- ]] && shift
driver_args=("$@")
flags=(-std=c++20 -O3 -DNDEBUG -flto=auto -fno-omit-frame-pointer -g)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/base"
git -C "$root" archive "$base_rev" include src/core | tar -x -C "$tmp/base"
build() {  # build OUT INCLUDE_ROOT
  g++ "${flags[@]}" -I"$2/include" -I"$root" -o "$1" \
    "$root/bench/ab/engine_ab.cc" "$root/bench/engine/workload.cc" "$2"/src/core/*.cc
}
echo "bench_ab: compiling against $base_rev and against the working tree (${flags[*]})" >&2
build "$tmp/engine_ab_base" "$tmp/base" &
build "$tmp/engine_ab_tree" "$root"
wait %1
cpu=$(($(nproc) - 1))
pin=()
command -v taskset >/dev/null && pin=(taskset -c "$cpu")
echo "bench_ab: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs, pinned to cpu $cpu; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "bench_ab: base $base_rev ($(git -C "$root" log -1 --format=%h "$base_rev")), tree $(git -C "$root" log -1 --format=%h HEAD)$(git -C "$root" diff --quiet HEAD -- include src/core || echo '+changes'); driver args: ${driver_args[*]:-(defaults)}"
for ((r = 1; r <= rounds; r++)); do
  # Alternate which goes first, so that neither always runs on a warmer machine.
  if ((r % 2)); then order=(base tree); else order=(tree base); fi
  for which in "${order[@]}"; do
    "${pin[@]}" "$tmp/engine_ab_$which" "${driver_args[@]}" | sed "s/^/$which /" >>"$tmp/rates"
  done
  echo "bench_ab: round $r/$rounds done (load $(cut -d' ' -f1 /proc/loadavg))" >&2
done
python3 - "$tmp/rates" "$base_rev" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
rates, cpu, sums, ev, order = {}, {}, {}, {}, []
for which, _, regime, rnd, wall, c, evm, chk in rows:
    if regime not in order: order.append(regime)
    rates.setdefault((which, regime), []).append(float(wall))
    cpu.setdefault((which, regime), []).append(float(c))
    sums.setdefault(regime, set()).add(chk)
    ev[(which, regime)] = evm
print(f"{'regime':<9} {'base M msg/s':>12} {'tree M msg/s':>12} {'ratio':>6}   {'base cpu':>8} {'tree cpu':>8} {'ratio':>6}  rounds  ev/msg base/tree  same commands")
worst = {}
for g in order:
    b, t = statistics.median(rates[("base", g)]), statistics.median(rates[("tree", g)])
    bc, tc = statistics.median(cpu[("base", g)]), statistics.median(cpu[("tree", g)])
    for w, v in (("base", b), ("tree", t)):
        if w not in worst or v < worst[w][1]: worst[w] = (g, v)
    print(f"{g:<9} {b/1e6:12.2f} {t/1e6:12.2f} {t/b:6.2f}x  {bc/1e6:8.2f} {tc/1e6:8.2f} {tc/bc:6.2f}x  {len(rates[('tree', g)]):6}  {ev[('base', g)]}/{ev[('tree', g)]}  {'yes' if len(sums[g]) == 1 else 'NO'}")
print(f"worst regime: base {worst['base'][0]} {worst['base'][1]/1e6:.2f} M msg/s, tree {worst['tree'][0]} {worst['tree'][1]/1e6:.2f} M msg/s")
print("(medians of the rounds; M msg/s wall clock, cpu: per second of thread CPU time)")
PY
