#!/usr/bin/env bash
# Fuzzes one target of asr-fuzz with libFuzzer: scripts/fuzz.sh TARGET SECONDS
#   TARGET: checkpoint, arpa, recipe, manifest, lexicon or audio (`asr-fuzz list` says what each reads)
#
# Builds asr-fuzz with coverage and AddressSanitizer in .build-fuzz (once; a minute or two), then
# runs TARGET for SECONDS from the committed seeds (Tests/fuzz/seeds/TARGET) and the corpus it
# grew before (.build-fuzz/corpus/TARGET). Each input may use 4 GiB and 30 s at most: more is a
# finding, like a crash. A finding is saved under fuzz-findings/TARGET/ and the script fails,
# printing how to replay it. The last line gives the coverage reached (libFuzzer's cov: count).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh TARGET SECONDS}
seconds=${2:?usage: scripts/fuzz.sh TARGET SECONDS}
[ -d "Tests/fuzz/seeds/$target" ] || { echo "fuzz.sh: no target '$target' (no Tests/fuzz/seeds/$target)" >&2; exit 2; }

# libFuzzer without its main (asr-fuzz has its own), from the Swift toolchain's clang runtime.
swiftc=$(readlink -f "$(command -v swiftc)")
runtime=$(ls "$(dirname "$swiftc")"/../lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-"$(uname -m)".a 2>/dev/null | head -1)
[ -n "$runtime" ] || { echo "fuzz.sh: this Swift toolchain has no libclang_rt.fuzzer_no_main" >&2; exit 2; }
ASR_MPI=0 swift build --scratch-path .build-fuzz --product asr-fuzz \
  -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp -Xswiftc -DFUZZING \
  -Xlinker "$runtime" -Xlinker -lstdc++ 2>&1 | grep -E "error|warning: unre|Compiling|Build complete" | grep -v "^\[" || true
fuzzer=.build-fuzz/debug/asr-fuzz
[ -x "$fuzzer" ] || { echo "fuzz.sh: the fuzzing build failed" >&2; exit 1; }

corpus=.build-fuzz/corpus/$target findings=fuzz-findings/$target log=.build-fuzz/fuzz-$target.log
mkdir -p "$corpus" "$findings"
# Leaks are not what this looks for (the Swift runtime keeps caches to the end); Swift's own
# backtracer is off so that AddressSanitizer reports a crash itself.
status=0
ASAN_OPTIONS=detect_leaks=0 SWIFT_BACKTRACE=enable=no timeout $((seconds + 120)) "$fuzzer" "$target" -max_total_time="$seconds" \
  -rss_limit_mb=4096 -malloc_limit_mb=4096 -timeout=30 -max_len=65536 -detect_leaks=0 -print_final_stats=1 \
  -artifact_prefix="$findings/" "$corpus" "Tests/fuzz/seeds/$target" </dev/null >"$log" 2>&1 || status=$?
summary=$(grep -E "^#[0-9]+" "$log" | tail -1 || true)
runs=$(grep -oE "stat::number_of_executed_units: *[0-9]+" "$log" | grep -oE "[0-9]+$" || echo "?")
cov=$(echo "$summary" | grep -oE "cov: [0-9]+" | grep -oE "[0-9]+" || echo "?")
ft=$(echo "$summary" | grep -oE "ft: [0-9]+" | grep -oE "[0-9]+" || echo "?")
if [ "$status" -ne 0 ]; then
  tail -60 "$log" >&2
  found=$(ls -t "$findings"/* 2>/dev/null | head -1 || true)
  echo "fuzz $target: FAILED after $runs runs (exit $status); the input is saved at ${found:-<none>}" >&2
  [ -n "$found" ] && echo "  replay it: $fuzzer $target $found   (or without sanitizers: swift run asr-fuzz $target $found)" >&2
  exit 1
fi
echo "fuzz $target: $runs runs in ${seconds}s, cov: $cov, ft: $ft, corpus: $(ls "$corpus" | wc -l) inputs; no crash, hang or over-limit allocation"
