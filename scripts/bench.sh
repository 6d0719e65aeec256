#!/usr/bin/env bash
# The measurement of docs/PERFORMANCE.md: build the release preset's `rialto`
# in build/b-release and run every engine benchmark, writing the latency CDF
# (CSV and PNG) next to the docs. Arguments are passed on to `rialto bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release -B build/b-release -DRIALTO_WERROR=ON >/dev/null
cmake --build build/b-release --target rialto -j "${RIALTO_JOBS:-2}" >/dev/null
mkdir -p docs/img build/perf
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
exec build/b-release/apps/rialto/rialto bench --csv build/perf/latency_cdf.csv --png docs/img/latency_cdf.png "$@"
