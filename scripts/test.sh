#!/usr/bin/env bash
# Every test: install what is missing, then build and run ctest in four builds:
#   release  (-O3, LTO, warnings are errors)  the whole suite
#   sanitize (ASan + UBSan, asserts on)       the whole suite
#   tsan     (ThreadSanitizer)                the concurrency tests
#   fuzz     (clang-14 libFuzzer, ASan+UBSan) each fuzz target for a short time budget
# Closes with one line: "total: N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh all

jobs=$(nproc)
presets=(${RIALTO_TEST_PRESETS:-release sanitize tsan fuzz})
passed=0
failed=0
status=0
for preset in "${presets[@]}"; do
  echo "=== ${preset}: configure and build" >&2
  cmake --preset "$preset" -DRIALTO_WERROR=ON >/dev/null
  targets=()
  if [[ $preset == fuzz ]]; then targets=(--target rialto_fuzzers); fi
  cmake --build "build/$preset" -j "$jobs" "${targets[@]}"
  echo "=== ${preset}: ctest" >&2
  log="build/$preset/ctest.log"
  set +e
  ctest --test-dir "build/$preset" -j "$jobs" --output-on-failure --timeout 600 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  set -e
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)
  if [[ -z $line ]]; then
    echo "${preset}: ctest printed no summary" >&2
    status=1
    continue
  fi
  f=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  n=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
  passed=$((passed + n - f))
  failed=$((failed + f))
  if ((rc != 0)); then status=1; fi
done
echo "total: ${passed} passed, ${failed} failed"
exit "$status"
