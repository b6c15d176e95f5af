#!/usr/bin/env bash
# Joins OUTDIR/shard-I-of-N.jsonl (written by transcribe-shard.sh) into one JSONL on stdout, in
# the order of the input list: line k of shard i is file k*N + i. Fails if a shard is missing
# or has not finished (no shard-I-of-N.done, or line counts that do not fit).
#   bash scripts/merge-shards.sh out/ > all.jsonl
set -euo pipefail
outdir=${1:?usage: merge-shards.sh OUTDIR}
shopt -s nullglob
shards=("$outdir"/shard-*-of-*.jsonl)
[ ${#shards[@]} -gt 0 ] || { echo "error: no shard-I-of-N.jsonl files in $outdir" >&2; exit 1; }
n=$(basename "${shards[0]}" .jsonl); n=${n##*-of-}
files=()
for ((i = 0; i < n; i++)); do
  f="$outdir/shard-$i-of-$n.jsonl"
  [ -f "$f" ] || { echo "error: $f is missing (shard $i of $n has not run)" >&2; exit 1; }
  [ -f "${f%.jsonl}.done" ] || { echo "error: shard $i of $n has not finished (no ${f%.jsonl}.done); run it again, it resumes" >&2; exit 1; }
  files+=("$f")
done
awk -v n="$n" '
  FNR == 1 { shard++ }
  { line[shard, FNR] = $0; count[shard] = FNR }
  END {
    total = 0
    for (i = 1; i <= n; i++) total += count[i]
    for (i = 1; i <= n; i++) {
      want = int(total / n) + ((i - 1) < total % n ? 1 : 0)
      if (count[i] + 0 != want) { printf "error: shard %d has %d lines, expected %d of %d in all: has it finished?\n", i - 1, count[i], want, total > "/dev/stderr"; exit 1 }
    }
    for (k = 1; k <= count[1]; k++) for (i = 1; i <= n; i++) if ((i, k) in line) print line[i, k]
  }' "${files[@]}"
