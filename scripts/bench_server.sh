#!/usr/bin/env bash
# The server end to end under `rialto load`, against the TCP echo floor over the
# same loopback (the physical floor).
#
#   scripts/bench_server.sh [--no-build] [--seconds S] [--warmup S] [--rounds R]
#                           [--variants "server echo fsync async none"]
#                           [--rates "R1 R2 .."] [--sessions "N1 N2 .."]
#                           [--max-rates "R1 R2 .."] [--no-max | --max-only] [--out FILE]
#   scripts/bench_server.sh --report FILE [FILE..]   # the tables again from saved --out files
#   scripts/bench_server.sh --soak [--orders N] [--rate R]   # memory flatness, not run by CI
#
# Variants: `server` (in memory), `echo` (the TCP echo floor), and `fsync`,
# `async`, `none`: the server with a data directory (on the disk of the build
# tree, never tmpfs) under that journal policy, to show what durability adds.
# Builds build/release (cmake --preset release). Each round runs the
# variants (default: server, echo) in rotating order (A B, B A, ...), each
# on a fresh server process, over every rate x sessions point; each point is
# S seconds of schedule (default 5) of which the first --warmup (1) are not
# recorded. Then, per variant, the maximum sustained rate with the largest
# session count: the offered rate steps up through --max-rates until the
# achieved rate falls below 95% of the offered one, p99 exceeds 100 ms (the
# queue grows without bound: p99 goes to seconds; 100 ms and not less because
# the shared machine alone gives p99s of tens of ms), or any answer is missing. Prints the table of medians over the rounds per
# variant and the ratio of the server's p99 to the echo's.
#
# The server runs with a venue that lifts the per-session rate limit
# (rate_per_second = burst = 10^9), 64 MiB outbound buffers and one shard;
# `rialto load` defines its symbols LOAD0..LOAD3 itself.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
report=()
build=1 seconds=5 warmup=1 rounds=3 soak=0 do_max=1
rates="10000 100000 1000000"
sessions="1 16"
max_rates="20000 50000 100000 200000 300000 500000 700000 1000000 1500000"
soak_orders=100000000 soak_rate=100000
variants=(server echo)
out=
while [[ $# -gt 0 ]]; do
  case $1 in
    --no-build) build=0 ;;
    --seconds) seconds=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --rates) rates=$2; shift ;;
    --variants) read -r -a variants <<<"$2"; shift ;;
    --sessions) sessions=$2; shift ;;
    --max-rates) max_rates=$2; shift ;;
    --no-max) do_max=0 ;;
    --max-only) rounds=0 ;;
    --report) shift; report=("$@"); break ;;
    --soak) soak=1 ;;
    --orders) soak_orders=$2; shift ;;
    --rate) soak_rate=$2; shift ;;
    --out) out=$2; shift ;;
    *) echo "usage: see the header of $0" >&2; exit 2 ;;
  esac
  shift
done

summarize() {  # summarize RESULTS_FILE..
python3 - "$@" <<'PY'
import statistics, sys
from collections import defaultdict
rows = []
for line in (l for f in sys.argv[1:] for l in open(f)):
    w = line.split()
    kv = dict(x.split("=") for x in w[3:] if "=" in x)
    rows.append((w[0], w[1], kv))
def us(ns):
    if ns is None: return "—"
    return f"{ns/1e3:.0f} µs" if ns < 1e6 else f"{ns/1e6:.1f} ms" if ns < 1e9 else f"{ns/1e9:.2f} s"
def ratio(a, b): return f"{a/b:.2f}" if a and b else "—"
cells = defaultdict(list)
for v, tag, kv in rows:
    if tag.startswith("round") and "failed" not in kv:  # error=1 rows (a session failed) are kept: their misses show it
        cells[(v, int(float(kv["rate"])), int(kv["sessions"]))].append(kv)
med = {}
print(f"\nmedians over the rounds (latency from the scheduled send time; misses = missing + unsent, late = sent > 1 ms behind; both summed over the rounds)")
order = list(dict.fromkeys(v for v, _, _ in rows))
for v in order:
    print(f"\n{v}:\n| offered msg/s | sessions | p50 | p99 | p99.9 | max | achieved msg/s | misses | late | rounds |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for key in sorted(k for k in cells if k[0] == v):
        runs = cells[key]
        rec = [r for r in runs if int(r["recorded"]) > 0]  # a run whose sessions failed in the warm-up recorded nothing
        m = {f: statistics.median(float(r[f]) for r in rec) if rec else None for f in ("p50_ns", "p99_ns", "p999_ns", "max_ns")}
        m["achieved"] = statistics.median(float(r["achieved"]) for r in runs)
        misses = sum(int(r["missing"]) + int(r["unsent"]) for r in runs)
        errors = sum(1 for r in runs if "error" in r)
        note = f" ({errors} with a failed session)" if errors else ""
        if len(rec) < len(runs): note += f"; latency of {len(rec)}"
        late = sum(int(r["late"]) for r in runs)
        med[key] = m
        print(f"| {key[1]:,} | {key[2]} | {us(m['p50_ns'])} | {us(m['p99_ns'])} | {us(m['p999_ns'])} | {us(m['max_ns'])} | {m['achieved']:,.0f} | {misses} | {late} | {len(runs)}{note} |")
print("\nend-to-end p99 / echo p99 (target <= 2 at 100k msg/s):")
for key in sorted(k for k in med if k[0] == "server"):
    e = ("echo",) + key[1:]
    if e in med:
        print(f"  {key[0]:6} {key[1]:>9,} msg/s x {key[2]:>2}: {ratio(med[key]['p99_ns'], med[e]['p99_ns'])}")
journaled = [v for v in order if v in ("fsync", "async", "none")]
if journaled:
    print("\nadded by the journal (p50 / p99 minus the in-memory server's, same point):")
    for v in journaled:
        for key in sorted(k for k in med if k[0] == v):
            b = ("server",) + key[1:]
            if b in med and med[key]["p50_ns"] is not None and med[b]["p50_ns"] is not None:
                print(f"  {v:6} {key[1]:>9,} msg/s x {key[2]:>2}: p50 {us(med[key]['p50_ns'] - med[b]['p50_ns'])}, p99 {us(med[key]['p99_ns'] - med[b]['p99_ns'])}")
maxes = [(v, kv) for v, tag, kv in rows if tag == "max"]
if maxes:
    print("\nmaximum sustained rate (achieved >= 95% of offered, p99 <= 100 ms, nothing missing or unsent):")
    for v in order:
        steps = [kv for vv, kv in maxes if vv == v]
        if not steps: continue
        ok = [kv for kv in steps if "failed" not in kv and "error" not in kv and float(kv["achieved"]) >= 0.95 * float(kv["rate"]) and int(kv["p99_ns"]) <= 100_000_000 and int(kv["missing"]) == 0 and int(kv["unsent"]) == 0]
        best = max((float(kv["rate"]) for kv in ok), default=0)
        trail = ", ".join(f"{float(kv['rate'])/1e3:.0f}k->{float(kv.get('achieved', 0))/1e3:.0f}k p99 {us(int(kv.get('p99_ns', 0)))}" for kv in steps)
        print(f"  {v:6}: {best:,.0f} msg/s  (steps: {trail})")
PY
}
if ((${#report[@]})); then summarize "${report[@]}"; exit 0; fi

if ((build)); then
  echo "bench_server: building build/release" >&2
  cmake --preset release >/dev/null
  cmake --build "$root/build/release" -j2 --target rialto
fi
load_bin=$root/build/release/apps/rialto/rialto
[[ -x $load_bin ]] || { echo "bench_server: $load_bin is missing (run without --no-build)" >&2; exit 1; }

tmp=$(mktemp -d)
data=$(mktemp -d "$root/build/bench-data.XXXXXX")  # the journal on the build tree's disk
pid=
stop_server() {
  if [[ -n $pid ]]; then
    # Keep what the server said beyond the per-session chatter (slow consumers, errors).
    grep -v 'logged on\|logged out by the client\|cancel on disconnect\|instrument .LOAD' "$tmp/server.log" >>"$tmp/server-logs" || true
    kill -INT "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=
  fi
}
trap 'stop_server; rm -rf "$tmp" "$data"' EXIT
cat >"$tmp/venue.toml" <<'TOML'
[server]
listen = "127.0.0.1:0"
[matching]
shards = 1
max_orders_per_shard = 1048576
queue_capacity = 65536
[limits]
max_sessions = 1024
max_live_orders = 1048576
rate_per_second = 1000000000
burst = 1000000000
outbound_buffer_bytes = 67108864
TOML

addr=
start() {  # start VARIANT: a fresh server (or echo server); sets pid and addr
  : >"$tmp/server.log"
  if [[ $1 == echo ]]; then
    "$load_bin" load --echo-server --listen 127.0.0.1:0 >"$tmp/server.log" 2>&1 &
  elif [[ $1 == fsync || $1 == async || $1 == none ]]; then
    rm -rf "$data/$1"
    sed "s|^\[matching\]|data_dir = \"$data/$1\"\n[journal]\npolicy = \"$1\"\n[matching]|" "$tmp/venue.toml" >"$tmp/venue-$1.toml"
    "$load_bin" serve --config "$tmp/venue-$1.toml" >"$tmp/server.log" 2>&1 &
  else
    "$load_bin" serve --config "$tmp/venue.toml" >"$tmp/server.log" 2>&1 &
  fi
  pid=$!
  addr=
  for _ in $(seq 200); do
    addr=$(sed -n 's/.*listening on \([0-9.]*:[0-9]*\).*/\1/p' "$tmp/server.log")
    [[ -n $addr ]] && return 0
    sleep 0.05
  done
  echo "bench_server: $1 did not start: $(cat "$tmp/server.log")" >&2
  exit 1
}
point() {  # point VARIANT TAG RATE SESSIONS: one run, its result line appended to $tmp/results
  local v=$1 tag=$2 rate=$3 n=$4 echo_flag=()
  [[ $v == echo ]] && echo_flag=(--echo)
  local line rc=0
  "$load_bin" load "${echo_flag[@]}" --connect "$addr" --rate "$rate" --sessions "$n" \
    --duration "$seconds" --warmup "$warmup" --server-pid "$pid" --quiet >"$tmp/load.out" 2>"$tmp/load.err" || rc=$?
  line=$(grep '^result ' "$tmp/load.out") || line="result rate=$rate sessions=$n failed=1"
  # A session that failed (e.g. closed by the server) still prints its summary: keep it, marked.
  if ((rc != 0)); then
    line="$line error=1"
    echo "bench_server: $v at $rate msg/s x $n: $(grep -m1 'rialto load: s\|rialto load: c' "$tmp/load.err")" >&2
  fi
  echo "$v $tag $line" >>"$tmp/results"
  echo "bench_server: $v $tag ${line#result }" >&2
}

echo "bench_server: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; $(g++ --version | head -1)"
echo "bench_server: tree $(git -C "$root" log -1 --format=%h HEAD)$(git -C "$root" diff --quiet HEAD -- src include apps || echo '+changes'); load $(cut -d' ' -f1-3 /proc/loadavg)"

if ((soak)); then
  start server
  echo "bench_server: soak, $soak_orders messages at $soak_rate msg/s, 16 sessions; the progress line shows the server's RSS"
  "$load_bin" load --connect "$addr" --rate "$soak_rate" --sessions 16 --orders "$soak_orders" --warmup 10 \
    --server-pid "$pid"
  grep -i 'rss\|stopped' "$tmp/server.log" || true
  exit 0
fi

nv=${#variants[@]}
for ((r = 1; r <= rounds; r++)); do
  for ((i = 0; i < nv; i++)); do
    v=${variants[$(((i + r - 1) % nv))]}
    start "$v"
    for n in $sessions; do
      for rate in $rates; do point "$v" "round$r" "$rate" "$n"; done
    done
    stop_server
  done
  echo "bench_server: round $r/$rounds done (load $(cut -d' ' -f1 /proc/loadavg))" >&2
done

if ((do_max)); then
  n_max=$(tr ' ' '\n' <<<"$sessions" | sort -n | tail -1)
  for v in "${variants[@]}"; do
    start "$v"
    for rate in $max_rates; do
      point "$v" max "$rate" "$n_max"
      last=$(tail -1 "$tmp/results")
      python3 - "$last" <<'PY' || break
import sys
kv = dict(w.split("=") for w in sys.argv[1].split()[3:] if "=" in w)
ok = ("failed" not in kv and "error" not in kv and float(kv["achieved"]) >= 0.95 * float(kv["rate"])
      and int(kv["p99_ns"]) <= 100_000_000 and int(kv["missing"]) == 0 and int(kv["unsent"]) == 0)
sys.exit(0 if ok else 1)
PY
    done
    stop_server
  done
fi

if [[ -n $out ]]; then cp "$tmp/results" "$out"; cp "$tmp/server-logs" "$out.server-logs" 2>/dev/null || true; fi
summarize "$tmp/results"
