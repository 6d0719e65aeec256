#!/usr/bin/env bash
# rialto's SoupBinTCP encoders against an independent reader: Wireshark's
# SoupBinTCP dissector (Debian's tshark). soup_dump writes a session of every
# packet type as a text2pcap hex dump; tshark must decode each packet to the
# fields below, with nothing malformed.
#
# usage: soup_tshark_test.sh SOUP_DUMP_BINARY
# Exit 77 (ctest SKIP_RETURN_CODE) when tshark or text2pcap is missing.
set -u
DUMP=${1:?usage: soup_tshark_test.sh SOUP_DUMP_BINARY}
for tool in tshark text2pcap; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIPPED: $tool is not installed (scripts/setup.sh installs tshark)"
    exit 77
  fi
done
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

"$DUMP" >"$WORK/session.txt" || { echo "FAIL: $DUMP failed"; exit 1; }
text2pcap -q -D -T 40000,7002 "$WORK/session.txt" "$WORK/session.pcap" >"$WORK/text2pcap.log" 2>&1 || { echo "FAIL: text2pcap"; exit 1; }
tshark_out() {
  # HOME points at the scratch directory: no personal Wireshark profile applies.
  # OUCH is off: its heuristic would claim a message starting with 'O'.
  HOME="$WORK" tshark -n -r "$WORK/session.pcap" -d tcp.port==7002,soupbintcp --disable-protocol ouch "$@" \
    2>"$WORK/tshark.err"
}

# The SoupBinTCP layer of each frame, without the Message bytes (their
# display is truncated differently across versions; their lengths show in
# Packet Length).
got=$(tshark_out -O soupbintcp | grep -vE '^(Frame|Ethernet II|Internet Protocol|Transmission Control)' |
  grep -v '^$' | grep -v '^    Message: ') || { echo "FAIL: tshark: $(cat "$WORK/tshark.err")"; exit 1; }

expected="SoupBinTCP, Login Request
    Packet Length: 47
    Packet Type: Login Request ('L')
    User Name: bob   
    Password: secret    
    Session:           
    Requested sequence number: 0
SoupBinTCP, Debug Packet
    Packet Length: 19
    Packet Type: Debug Packet ('+')
    Debug Text: rialto market data
SoupBinTCP, Login Accepted
    Packet Length: 31
    Packet Type: Login Accepted ('A')
    Session:         S1
    Next sequence number: 3
SoupBinTCP, Unsequenced Data
    Packet Length: 40
    Packet Type: Unsequenced Data ('U')
SoupBinTCP, Server Heartbeat
    Packet Length: 1
    Packet Type: Server Heartbeat ('H')"
# One Sequenced Data per ITCH type, numbered from Login Accepted's 3.
seq=3
for len in 12 39 25 20 26 35 12 28 35 21 36 40 31 36 23 19 35 44 40 19 50 20 48; do
  expected+="
SoupBinTCP, Sequenced Data, SeqNum=$seq
    Packet Length: $((len + 1))
    Packet Type: Sequenced Data ('S')
    Sequence number: $seq (Calculated)"
  seq=$((seq + 1))
done
# (Wireshark 4.0 reads a sequence number as a signed 32-bit integer, so the
# dump stays below 2^31 although the field holds 20 digits.)
expected+="
SoupBinTCP, Client Heartbeat
    Packet Length: 1
    Packet Type: Client Heartbeat ('R')
SoupBinTCP, Unsequenced Data
    Packet Length: 6
    Packet Type: Unsequenced Data ('U')
SoupBinTCP, End of Session
    Packet Length: 1
    Packet Type: End of Session ('Z')
SoupBinTCP, Logout Request
    Packet Length: 1
    Packet Type: Logout Request ('O')
SoupBinTCP, Login Request
    Packet Length: 47
    Packet Type: Login Request ('L')
    User Name: alice 
    Password: pw        
    Session:         S1
    Requested sequence number: 2000000000
SoupBinTCP, Login Rejected
    Packet Length: 2
    Packet Type: Login Rejected ('J')
    Login Reject Code: Session not available ('S')"

if [ "$got" != "$expected" ]; then
  echo "FAIL: tshark decoded the session differently"
  diff <(echo "$expected") <(echo "$got")
  exit 1
fi
bad=$(tshark_out -Y '_ws.malformed || _ws.expert.severity >= "warning"')
if [ -n "$bad" ]; then
  echo "FAIL: tshark reports malformed packets or warnings:"
  echo "$bad"
  exit 1
fi
echo "PASS: $(grep -c '^SoupBinTCP' <<<"$got") SoupBinTCP packets decoded by tshark as encoded"
