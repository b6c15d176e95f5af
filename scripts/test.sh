#!/usr/bin/env bash
# Fresh machine -> all tests: installs the Debian packages, builds, runs the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh git ca-certificates espeak-ng flite python3
# The training-loop tests use ten FSDD recordings: find them (or clone the dataset).
if fsdd=$(bash scripts/fsdd.sh); then export FSDD_DIR="$fsdd"; else echo "warning: FSDD not found; the training-loop tests will fail" >&2; fi
swift build --build-tests
log=$(mktemp)
swift test 2>&1 | tee "$log"
# The suites use Swift Testing; XCTest's own summary line says "Executed 0 tests". Close with
# the count of Swift Testing's summary in the plain form every CI reader understands.
passed=$(grep -oE "Test run with [0-9]+ tests? .*passed" "$log" | grep -oE "[0-9]+" | head -1 || true)
rm -f "$log"
if [ -z "$passed" ] || [ "$passed" -eq 0 ]; then
  echo "error: no test ran" >&2
  exit 1
fi
# The bad inputs of issue 17 on the built binary: each a clear error or a valid result, under
# 4 GiB and 30 s.
bash scripts/hostile.sh .build/debug/asr
# Each fuzz target for FUZZ_SECONDS (default 20; 0 skips): a crash, a hang or an allocation
# over 4 GiB fails the run, and the input that did it is kept in fuzz-findings/.
fuzz_seconds=${FUZZ_SECONDS:-20}
if [ "$fuzz_seconds" -gt 0 ]; then
  for target in checkpoint arpa recipe manifest lexicon audio; do bash scripts/fuzz.sh "$target" "$fuzz_seconds"; done
fi
echo "tests: $passed passed, 0 failed"
