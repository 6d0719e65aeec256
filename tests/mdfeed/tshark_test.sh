#!/bin/sh
# The feed's framing in Wireshark's SoupBinTCP dissector: capture a scripted
# session on loopback (tshark -i lo), decode it with -d tcp.port==PORT,soupbintcp
# and check every packet type appears as expected, the Sequenced Data count
# equals what the subscribers received, and nothing is marked malformed.
# Skips (exit 77) when tshark is not installed or cannot capture.
# Usage: tshark_test.sh DRIVER
set -u
driver=$1
skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAIL: $*"; [ -n "${dir:-}" ] && [ -f "$dir/decoded.txt" ] && head -100 "$dir/decoded.txt"; exit 1; }
command -v tshark >/dev/null 2>&1 || skip "tshark is not installed"
dir=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
# A free port: bind to 0 and ask the kernel.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
tshark -i lo -f "tcp port $port" -w "$dir/capture.pcapng" >"$dir/tshark.log" 2>&1 &
tpid=$!
# Wait until the capture runs (dumpcap prints "Capturing on").
i=0
while ! grep -q "Capturing on" "$dir/tshark.log" 2>/dev/null; do
  i=$((i + 1))
  if [ $i -gt 100 ] || ! kill -0 $tpid 2>/dev/null; then
    kill $tpid 2>/dev/null
    skip "tshark cannot capture on lo: $(cat "$dir/tshark.log")"
  fi
  sleep 0.1
done
sleep 1  # "Capturing on" can come a moment before packets are captured
"$driver" "$port" >"$dir/driver.out" 2>"$dir/driver.err"
rc=$?
sleep 0.5
kill -INT $tpid 2>/dev/null
wait $tpid 2>/dev/null
[ $rc -eq 0 ] || fail "driver exited with $rc: $(cat "$dir/driver.err")"
tshark -r "$dir/capture.pcapng" -d "tcp.port==$port,soupbintcp" -V >"$dir/decoded.txt" 2>&1 || fail "tshark -r failed"
tshark -r "$dir/capture.pcapng" -d "tcp.port==$port,soupbintcp" -T fields -e soupbintcp.packet_type \
  | tr ',' '\n' | tr -d "'" | sort | uniq -c >"$dir/types.txt"
count() { awk -v t="$1" '$2 == t { print $1 }' "$dir/types.txt"; }
cat "$dir/types.txt"
cat "$dir/driver.out"
if grep -qi "malformed" "$dir/decoded.txt"; then fail "tshark marks packets malformed"; fi
[ "$(count L)" = 2 ] || fail "expected 2 Login Requests, got '$(count L)'"
[ "$(count A)" = 2 ] || fail "expected 2 Login Accepted, got '$(count A)'"
[ "$(count Z)" = 2 ] || fail "expected 2 End of Session, got '$(count Z)'"
[ "$(count R)" = 2 ] || fail "expected 2 Client Heartbeats, got '$(count R)'"
want_s=$(awk '$1 == "sequenced" { print $2 }' "$dir/driver.out")
want_msgs=$(awk '$1 == "messages" { print $2 }' "$dir/driver.out")
want_u=$(awk '$1 == "unsequenced" { print $2 }' "$dir/driver.out")
[ "$(count S)" = "$want_s" ] || fail "expected $want_s Sequenced Data, tshark decoded '$(count S)'"
[ "$(count U)" = "$want_u" ] || fail "expected $want_u Unsequenced Data, tshark decoded '$(count U)'"
grep -q "Session: TSHARK0001" "$dir/decoded.txt" || fail "no Login Accepted for session TSHARK0001 in the decoding"
grep -q "User Name: alice" "$dir/decoded.txt" || fail "no Login Request of alice in the decoding"
grep -q "Next sequence number: 1$" "$dir/decoded.txt" || fail "no Login Accepted with next sequence 1 (alice's)"
grep -q "Sequenced Data, SeqNum=$want_msgs$" "$dir/decoded.txt" || fail "the dissector did not number the last message $want_msgs"
echo "PASSED: $(count S) Sequenced Data, $(count U) Unsequenced Data decoded by tshark's SoupBinTCP dissector"
