#!/usr/bin/env bash
# Smoke test of `rialto load`: a demo server on a free port, a short
# open-loop run over 4 sessions, then the echo floor. Checks the summary's
# structure, that every message sent got its answer (sent == answered,
# nothing missing or unsent), and that the CDF file was written. Latency
# figures are not checked: this is a test, not a benchmark.
#   load_smoke.sh PATH/TO/rialto
set -euo pipefail
rialto=$1
tmp=$(mktemp -d)
server_pid=
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "load_smoke: $*" >&2; echo "--- output:" >&2; cat "$tmp/out" >&2 2>/dev/null || true; exit 1; }

"$rialto" serve --listen 127.0.0.1:0 --md-listen 127.0.0.1:0 2>"$tmp/server.log" &
server_pid=$!
for _ in $(seq 100); do
  grep -q 'listening on' "$tmp/server.log" && break
  sleep 0.05
done
addr=$(sed -n 's/.*listening on \([0-9.]*:[0-9]*\).*/\1/p' "$tmp/server.log")
[[ -n $addr ]] || fail "the server did not start: $(cat "$tmp/server.log")"

check_summary() {  # check_summary MODE
  for key in 'offered ' 'sent ' 'achieved ' 'answered ' 'missing ' 'unsent ' 'late ' 'messages ' 'latency '; do
    grep -q "^$key" "$tmp/out" || fail "$1: no '$key' line in the summary"
  done
  grep -Eq '^latency +p50 .* p99 .* p99\.9 .* max ' "$tmp/out" || fail "$1: the latency line lacks p50/p99/p99.9/max"
  local result
  result=$(grep '^result ' "$tmp/out") || fail "$1: no result line"
  val() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$result"; }
  [[ $(val scheduled) -gt 0 ]] || fail "$1: nothing scheduled"
  [[ $(val sent) == "$(val scheduled)" ]] || fail "$1: sent $(val sent) of $(val scheduled) scheduled"
  [[ $(val answered) == "$(val sent)" ]] || fail "$1: sent $(val sent) but answered $(val answered)"
  [[ $(val missing) == 0 ]] || fail "$1: $(val missing) missing answers"
  [[ $(val unsent) == 0 ]] || fail "$1: $(val unsent) unsent"
  [[ $(val recorded) -gt 0 ]] || fail "$1: no latency recorded"
}

"$rialto" load --connect "$addr" --rate 4000 --sessions 4 --symbols 3 --duration 1.5 --warmup 0.2 \
  --cdf "$tmp/cdf.csv" >"$tmp/out" 2>"$tmp/err" || fail "rialto load exited $? ($(cat "$tmp/err"))"
check_summary server
grep -Eq '^messages +[0-9]+ new orders, [1-9][0-9]* cancels; [0-9]+ execution reports \([1-9][0-9]* fills\), 0 unmatched' \
  "$tmp/out" || fail "server: the flow has no cancels, no fills, or unmatched reports"
grep -q '^rejects ' "$tmp/out" || fail "server: no rejects line"
[[ $(grep -vc '^#' "$tmp/cdf.csv") -gt 0 ]] || fail "the CDF file is empty"
grep -q 'answered' "$tmp/err" || fail "no progress line on stderr"

"$rialto" load --echo --rate 4000 --sessions 2 --duration 0.5 --warmup 0 --quiet >"$tmp/out" 2>"$tmp/err" ||
  fail "rialto load --echo exited $? ($(cat "$tmp/err"))"
check_summary echo
echo "load_smoke: ok"
