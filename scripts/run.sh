#!/usr/bin/env bash
# The main job: install what building and running `rialto` needs (only that:
# no test, fuzz or benchmark packages), build the CLI in its own build
# directory (build/run: the release preset without tests and benchmarks), and
# start the exchange server on its embedded default, the demo venue
# (`rialto serve`, 127.0.0.1:7001; stop it with Ctrl-C), after printing how to
# connect to it. Any arguments replace `serve` and are taken as given,
# relative paths from the caller's directory: scripts/run.sh script my.script
#
# TEST_RIALTO_EXE=<binary> (for the tests) skips set-up and build and runs that
# binary instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
exe=${TEST_RIALTO_EXE:-}
if [[ -z $exe ]]; then
  "$root/scripts/setup.sh" run
  # A subshell: the caller's directory stays the one the arguments are relative to.
  (
    cd "$root"
    cmake --preset release -B build/run -DRIALTO_BUILD_TESTS=OFF -DRIALTO_BUILD_BENCH=OFF >/dev/null
    cmake --build build/run --target rialto >/dev/null
  )
  exe=$root/build/run/apps/rialto/rialto
fi
if (($# == 0)); then
  cat >&2 <<EOT
rialto: starting the demo venue on 127.0.0.1:7001, market data on 127.0.0.1:7002 (Ctrl-C stops it). From another terminal:
  $exe client                                       # type orders, see reports
  $exe client --script $root/examples/demo.script   # run the demo scenario through the venue
  $exe md ACME                                      # watch ACME's book and trades live
EOT
  set -- serve
fi
exec "$exe" "$@"
