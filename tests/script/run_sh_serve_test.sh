#!/usr/bin/env bash
# scripts/run.sh without arguments, as a newcomer runs it: it prints how to
# connect and starts the demo venue on 127.0.0.1:7001; the demo scenario run
# through `rialto client --script` prints exactly what `rialto script` prints;
# SIGTERM stops the venue with exit status 0.
#   run_sh_serve_test.sh RIALTO_EXE SOURCE_DIR SCRATCH_DIR
set -uo pipefail
exe=$1 src=$2 dir=$3
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || exit 1
fail() { echo "FAIL: $*"; echo "--- server stderr:"; cat serve.err; kill -9 "$pid" 2>/dev/null; exit 1; }

TEST_RIALTO_EXE=$exe bash "$src/scripts/run.sh" 2>serve.err &
pid=$!
for _ in $(seq 100); do
  grep -q "listening on\|cannot listen" serve.err && break
  sleep 0.05
done
if grep -q "cannot listen on 127.0.0.1:7001: Address already in use\|cannot start the market-data feed.*7002" serve.err; then
  echo "SKIPPED: 127.0.0.1:7001 or 7002 is in use by another process"
  wait "$pid"
  exit 0
fi
want_head="rialto: starting the demo venue on 127.0.0.1:7001, market data on 127.0.0.1:7002 (Ctrl-C stops it). From another terminal:
  $exe client                                       # type orders, see reports
  $exe client --script $src/examples/demo.script   # run the demo scenario through the venue
  $exe md ACME                                      # watch ACME's book and trades live
rialto serve: WARNING: demo venue: any account name may log on and every session is admin (no [[account]] in the configuration)
rialto serve: no data directory: running in memory (nothing is journaled; a restart starts empty)
rialto serve: market data on 127.0.0.1:7002 (session N)
rialto serve: listening on 127.0.0.1:7001
rialto serve: 1 matching shard(s), 4 instrument(s)"
[[ $(head -n 9 serve.err | sed 's/(session [0-9]*)/(session N)/') == "$want_head" ]] || fail "the first lines on stderr differ from:
$want_head"

"$exe" client --script "$src/examples/demo.script" >client.out 2>client.err || fail "rialto client failed: $(cat client.err)"
(cd "$src" && "$exe" script examples/demo.script) >script.out || fail "rialto script failed"
[[ -s script.out ]] || fail "rialto script printed nothing"
cmp -s client.out script.out || fail "client output differs from rialto script: $(diff client.out script.out)"

kill -TERM "$pid"
wait "$pid"
rc=$?
((rc == 0)) || fail "rialto serve exited with $rc after SIGTERM"
grep -q "^rialto serve: stopped: " serve.err || fail "no 'stopped' line"
echo "ok"
