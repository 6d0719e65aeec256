#!/usr/bin/env bash
# `rialto client` typed at, against the demo venue (whose symbols no `symbol`
# line defines): every report as it arrives, then the command's lines, and
# `book` of a symbol learnt from a report. The whole stdout is compared.
#   interactive_test.sh RIALTO_EXE SCRATCH_DIR
set -uo pipefail
exe=$1 dir=$2
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || exit 1
"$exe" serve --listen 127.0.0.1:0 --md-listen 127.0.0.1:0 2>serve.err &
pid=$!
trap 'kill -9 $pid 2>/dev/null' EXIT
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/^rialto serve: listening on 127.0.0.1:\([0-9]*\)$/\1/p' serve.err)
  [[ -n $port ]] && break
  sleep 0.05
done
[[ -n $port ]] || { echo "FAIL: the server did not start"; cat serve.err; exit 1; }
printf '%s\n' 'new id=1 sym=ACME side=buy qty=10 px=100.00' 'new id=2 sym=ACME side=sell qty=4 px=99.00 acct=bob' \
  'book sym=ACME' 'cancel id=1' 'new id=3 sym=NOPE side=buy qty=1 px=1' |
  "$exe" client --connect "127.0.0.1:$port" --account alice >client.out 2>client.err
rc=$?
want='report exec=new id=1 order=4294967297 sym=ACME side=buy px=100.00 qty=10 seq=1
accepted id=1
report exec=new id=2 order=8589934593 sym=ACME side=sell px=99.00 qty=4 seq=2
report exec=filled id=2 order=8589934593 px=100.00 qty=4 leaves=0 cum=4 match=1 aggressor seq=2
report exec=partially_filled id=1 order=4294967297 px=100.00 qty=4 leaves=6 cum=4 match=1 seq=2
accepted id=2
trade px=100.00 qty=4 taker=2 maker=1
book sym=ACME
bid px=100.00 qty=6 orders=1
end
report exec=cancelled id=1 order=4294967297 reason=user qty=6 seq=3
cancelled id=1 reason=user qty=6
report exec=rejected id=3 reason=unknown_symbol command=new seq=0
rejected id=3 reason=unknown_symbol'
got=$(cat client.out)
fails=0
((rc == 0)) || { echo "FAIL: exit status $rc; stderr: $(cat client.err)"; fails=1; }
[[ $got == "$want" ]] || { echo "FAIL: stdout differs:"; diff <(echo "$want") client.out; fails=1; }
kill -TERM $pid; wait $pid; src=$?
((src == 0)) || { echo "FAIL: the server exited with $src"; fails=1; }
trap - EXIT
((fails == 0)) && echo ok
exit $fails
