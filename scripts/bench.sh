#!/usr/bin/env bash
# The measurement of docs/PERFORMANCE.md: build the release preset's `rialto`
# in build/b-release and run every engine benchmark, writing the latency CDF
# as CSV (build/perf/latency_cdf.csv) and drawing it next to the docs
# (docs/img/latency_cdf.png, scripts/plot_latency.sh). Arguments are passed on
# to `rialto bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release -B build/b-release -DRIALTO_WERROR=ON >/dev/null
cmake --build build/b-release --target rialto -j "${RIALTO_JOBS:-2}" >/dev/null
mkdir -p docs/img build/perf
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
build/b-release/apps/rialto/rialto bench --csv build/perf/latency_cdf.csv "$@"
scripts/plot_latency.sh build/perf/latency_cdf.csv docs/img/latency_cdf.png \
  "rialto open-loop latency, regime normal, random 64-bit ids, one core"
