#!/usr/bin/env bash
# Installs the Debian packages rialto needs, and only those that are missing.
# Idempotent: a second run installs nothing. docs/DEPENDENCIES.md says why each is here.
#   scripts/setup.sh run   what building and running the `rialto` CLI needs (scripts/run.sh)
#   scripts/setup.sh       everything: also the tests, fuzzers and benchmarks (scripts/test.sh)
set -euo pipefail

run_packages=(g++ cmake ninja-build libcli11-dev libtomlplusplus-dev libboost-dev libasio-dev)
all_packages=(
  "${run_packages[@]}"
  libgtest-dev libgmock-dev librapidcheck-dev libxml2-utils
  clang-14 libfuzzer-14-dev libclang-rt-14-dev
  gnuplot-nox
  tmux tshark
)

case "${1:-all}" in
  run) packages=("${run_packages[@]}") ;;
  all) packages=("${all_packages[@]}") ;;
  *)
    echo "usage: scripts/setup.sh [run|all]" >&2
    exit 2
    ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
# Passed through sudo explicitly (sudo resets the environment): tshark's package
# asks whether non-root users may capture, and must take the default unasked.
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
