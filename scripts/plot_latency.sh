#!/usr/bin/env bash
# Draws the latency CDF that `rialto bench --csv FILE` writes.
#   scripts/plot_latency.sh CDF.csv OUT.png [TITLE]
# The CSV's columns: offered_rate,latency_ns,cumulative_fraction,count,
# percentile_axis (1 / (1 - fraction)); one curve per offered rate.
# Needs gnuplot with the pngcairo terminal (Debian: gnuplot-nox).
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: $0 CDF.csv OUT.png [TITLE]" >&2
  exit 2
fi
csv=$1
png=$2
title=${3:-rialto open-loop latency, one core}
[[ -r $csv ]] || { echo "plot_latency: cannot read $csv" >&2; exit 1; }
command -v gnuplot >/dev/null || { echo "plot_latency: gnuplot not found (Debian package gnuplot-nox)" >&2; exit 1; }
rates=$(awk -F, '!/^#/ && NF >= 5 {print $1}' "$csv" | sort -nu)
[[ -n $rates ]] || { echo "plot_latency: $csv has no data rows" >&2; exit 1; }
plot=""
for r in $rates; do
  label=$(awk -v r="$r" 'BEGIN { if (r >= 1e6) printf "%g M", r / 1e6; else printf "%g k", r / 1e3 }')
  plot+="${plot:+, }'$csv' using 5:(\$1==$r ? \$2 : 1/0) with steps lw 2 title '$label msg/s offered'"
done
gnuplot <<GP
set terminal pngcairo size 900,560 font 'sans,10'
set output '$png'
set datafile separator ','
set logscale xy
set xrange [1:*]
set format y '10^{%T}'
set xtics ('50%%' 2, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 10000, '99.999%%' 100000, '99.9999%%' 1000000)
set xlabel 'percentile'
set ylabel 'latency from scheduled send (ns)'
set title '$title'
set grid xtics ytics mytics
set key bottom right
plot $plot
GP
echo "plot_latency: wrote $png" >&2
