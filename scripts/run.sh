#!/usr/bin/env bash
# The main job: install what is missing, build the release preset, and run the
# bundled demo scenario through `rialto script` (events, then the final book).
# Any arguments replace the demo: scripts/run.sh script my.script
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build build/release --target rialto >/dev/null
if (($# == 0)); then
  set -- script examples/demo.script
fi
exec build/release/apps/rialto/rialto "$@"
