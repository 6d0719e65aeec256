#!/usr/bin/env bash
# `rialto md` as a user sees it: the real server, the viewer in a tmux pane
# (100x40), the lines of a client script typed into `rialto client`, and the pane's text
# checked for the ladder's levels and the trade. Then a second viewer joins
# late and must show the same book (the snapshot), and Ctrl-C must end the
# viewer with status 0.
#
# usage: ladder_tmux_test.sh RIALTO_BINARY
# Exit 77 (ctest SKIP_RETURN_CODE) when tmux is missing or `rialto serve` has
# no --md-listen (the market-data publisher is not in this build).
set -u
RIALTO=${1:?usage: ladder_tmux_test.sh RIALTO_BINARY}
SKIP=77
if [ ! -x "$RIALTO" ]; then
  echo "FAIL: $RIALTO is not an executable (build the rialto target)"
  exit 1
fi

if ! command -v tmux >/dev/null 2>&1; then
  echo "SKIPPED: tmux is not installed (scripts/setup.sh installs it)"
  exit $SKIP
fi
if ! "$RIALTO" serve --help 2>&1 | grep -q -- '--md-listen'; then
  echo "SKIPPED: 'rialto serve' has no --md-listen option in this build (no market-data publisher)"
  exit $SKIP
fi

WORK=$(mktemp -d)
SOCK="rialto-md-test-$$"  # a private tmux server: never touches anyone else's sessions
SERVER_PID=""
CLIENT_PID=""
cleanup() {
  tmux -L "$SOCK" kill-server >/dev/null 2>&1
  exec 3>&- 2>/dev/null
  if [ -n "$CLIENT_PID" ]; then
    kill "$CLIENT_PID" 2>/dev/null
    wait "$CLIENT_PID" 2>/dev/null
  fi
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*"
  for pane in md late; do
    if tmux -L "$SOCK" has-session -t "$pane" 2>/dev/null; then
      echo "--- pane $pane:"
      tmux -L "$SOCK" capture-pane -p -t "$pane"
    fi
  done
  echo "--- server log:"
  cat "$WORK/serve.log"
  echo "--- client output:"
  cat "$WORK/client.log" 2>/dev/null
  exit 1
}

# A TCP port nobody listens on now (the kernel's choice when python3 is here).
free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    return
  fi
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return
    fi
  done
  return 1
}

ORDER_PORT=$(free_port) || fail "no free port"
MD_PORT=$(free_port) || fail "no free port"
while [ "$MD_PORT" = "$ORDER_PORT" ]; do MD_PORT=$(free_port) || fail "no free port"; done

"$RIALTO" serve --listen "127.0.0.1:$ORDER_PORT" --md-listen "127.0.0.1:$MD_PORT" >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!

# Up when the order-entry port says so in the log and the feed's port accepts.
up=0
for _ in $(seq 1 100); do
  if grep -q "listening on" "$WORK/serve.log" && (exec 3<>"/dev/tcp/127.0.0.1/$MD_PORT") 2>/dev/null; then
    up=1
    break
  fi
  kill -0 "$SERVER_PID" 2>/dev/null || fail "rialto serve exited"
  sleep 0.1
done
[ "$up" = 1 ] || fail "rialto serve did not start listening on $ORDER_PORT and $MD_PORT within 10 s"

tmux -L "$SOCK" new-session -d -s md -x 100 -y 40 \
  "$RIALTO md --connect 127.0.0.1:$MD_PORT ACME; echo \"md exited with status \$?\"; sleep 30"
tmux -L "$SOCK" set-option -t md remain-on-exit on >/dev/null

# Waits until pane $1 shows every pattern (extended regexes) in $2..; 10 s.
wait_for_screen() {
  local pane=$1
  shift
  local screen ok
  for _ in $(seq 1 100); do
    screen=$(tmux -L "$SOCK" capture-pane -p -t "$pane")
    ok=1
    for pattern in "$@"; do
      if ! grep -Eq -- "$pattern" <<<"$screen"; then
        ok=0
        break
      fi
    done
    [ "$ok" = 1 ] && return 0
    sleep 0.1
  done
  return 1
}

wait_for_screen md '^ACME ' 'status: connected' || fail "the viewer did not connect"

cat >"$WORK/orders.script" <<'EOF'
symbol ACME tick=0.01
new id=1 sym=ACME side=sell qty=100 px=101.00
new id=2 sym=ACME side=sell qty=50 px=100.50
new id=3 sym=ACME side=buy qty=30 px=100.00
new id=4 sym=ACME side=buy qty=20 px=99.50
new id=5 sym=ACME side=buy qty=10 px=100.50
EOF
# The client cancels its orders when its session ends, so the lines are typed
# into an interactive client through a FIFO kept open (it heartbeats while it
# waits): the session, and the book, live until cleanup.
mkfifo "$WORK/orders.fifo"
"$RIALTO" client --connect "127.0.0.1:$ORDER_PORT" <"$WORK/orders.fifo" >"$WORK/client.log" 2>&1 &
CLIENT_PID=$!
exec 3>"$WORK/orders.fifo"
cat "$WORK/orders.script" >&3
for _ in $(seq 1 100); do
  grep -q '^trade px=100.50 qty=10' "$WORK/client.log" && break
  kill -0 "$CLIENT_PID" 2>/dev/null || fail "rialto client exited: $(cat "$WORK/client.log")"
  sleep 0.1
done
grep -q '^trade px=100.50 qty=10' "$WORK/client.log" || fail "the orders were not answered: $(cat "$WORK/client.log")"

LADDER=(
  '^ask +101\.0000 +100 +1$'
  '^ask +100\.5000 +40 +1$'
  'spread 0\.5000'
  '^bid +100\.0000 +30 +1$'
  '^bid +99\.5000 +20 +1$'
)
wait_for_screen md "${LADDER[@]}" '^ +[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9} +100\.5000 +10$' ||
  fail "the ladder does not show the book after the orders"

# The order of the lines: asks above the spread above the bids.
screen=$(tmux -L "$SOCK" capture-pane -p -t md)
order=$(grep -nE '^(ask|bid) |spread' <<<"$screen" | cut -d: -f2 | awk '{print $1 == "ask" || $1 == "bid" ? $1 " " $2 : "spread"}' | tr '\n' ',')
[ "$order" = "ask 101.0000,ask 100.5000,spread,bid 100.0000,bid 99.5000," ] || fail "ladder lines out of order: $order"

# A late joiner gets the same book from the snapshot.
tmux -L "$SOCK" new-session -d -s late -x 100 -y 40 "$RIALTO md --connect 127.0.0.1:$MD_PORT ACME; sleep 30"
wait_for_screen late "${LADDER[@]}" 'status: connected' || fail "a late joiner does not show the same book"

# Ctrl-C ends the viewer with status 0.
tmux -L "$SOCK" send-keys -t md C-c
wait_for_screen md 'md exited with status 0' || fail "Ctrl-C did not end the viewer with status 0"

echo "PASS: the ladder showed the book, a late joiner the same, and Ctrl-C ended the viewer with status 0"
exit 0
