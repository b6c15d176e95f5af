#!/usr/bin/env bash
# Same checkpoint, two builds of asr: are their transcripts byte-identical? Transcribes the
# FSDD test split (takes 0-4), the sox-made connected strings and untrimmed words
# (bench/make_sox_sets.sh), greedy and with the checkpoint's decoding (beam + lexicon for the
# digits recipes), and the untrimmed words with --vad, as JSON lines (text, word times,
# confidences), and compares each output with cmp.
#   bash bench/compare_transcripts.sh OLD_ASR NEW_ASR MODEL [OUT=/tmp/compare-transcripts]
# OLD_ASR: e.g. the release build of a worktree at an earlier commit
# (git worktree add /tmp/old REV && (cd /tmp/old && swift build -c release)).
set -euo pipefail
old=$1 new=$2 model=$3 out=${4:-/tmp/compare-transcripts}
cd "$(dirname "$0")/.."
fsdd=$(bash scripts/fsdd.sh)
[ -f "$out/sox/connected/manifest.tsv" ] || bash bench/make_sox_sets.sh "$out/sox"
ls "$fsdd"/recordings/*_[0-4].wav > "$out/fsdd_test.txt"
cut -f1 "$out/sox/connected/manifest.tsv" > "$out/connected.txt"
cut -f1 "$out/sox/untrimmed/manifest.tsv" > "$out/untrimmed.txt"
same=0 differ=0
for set in fsdd_test connected untrimmed; do
  for decoding in greedy stored vad; do
    [ "$decoding" = vad ] && [ "$set" != untrimmed ] && continue
    flags=(); [ "$decoding" = greedy ] && flags=(--greedy); [ "$decoding" = vad ] && flags=(--vad)
    for which in old new; do
      bin=$old; [ "$which" = new ] && bin=$new
      mapfile -t files < "$out/$set.txt"
      "$bin" transcribe --model "$model" "${files[@]}" "${flags[@]}" --format jsonl --quiet > "$out/$set.$decoding.$which.jsonl"
    done
    lines=$(wc -l < "$out/$set.$decoding.new.jsonl")
    if cmp -s "$out/$set.$decoding.old.jsonl" "$out/$set.$decoding.new.jsonl"; then
      echo "same:   $set, $decoding ($lines files)"; same=$((same + 1))
    else
      echo "DIFFER: $set, $decoding"; differ=$((differ + 1))
    fi
  done
done
echo "$same outputs identical, $differ different"
