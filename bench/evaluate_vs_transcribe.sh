#!/usr/bin/env bash
# asr evaluate scores what asr transcribe outputs: on long recordings (FSDD test words joined,
# minutes each, so they go through the model in windows) with and without --vad, the WER
# `asr evaluate` prints and the WER of `asr transcribe`'s output scored with `asr score`.
#   bash bench/evaluate_vs_transcribe.sh MODEL [OUT=/tmp/eval-vs-transcribe]
set -euo pipefail
model=$1 out=${2:-/tmp/eval-vs-transcribe}
cd "$(dirname "$0")/.."
asr=.build/release/asr
mkdir -p "$out"
: > "$out/long.tsv"
for spec in "3 0.25" "4 0.6" "5 1.2"; do
  read -r minutes gap <<< "$spec"
  wav="$out/long-${minutes}min-${gap}s.wav"
  [ -f "$wav" ] || bash bench/make_long_audio.sh "$wav" "$minutes" "$gap" >&2
  printf "%s\t%s\n" "$wav" "$(cat "$wav.txt")" >> "$out/long.tsv"
done
cut -f2 "$out/long.tsv" > "$out/ref.txt"
for vad in "" "--vad"; do
  name=${vad:-whole}
  evaluated=$($asr evaluate --model "$model" --manifest "$out/long.tsv" $vad | grep -E "^WER")
  $asr transcribe --model "$model" --manifest "$out/long.tsv" $vad --format text --quiet | cut -f2 > "$out/hyp-$name.txt"
  scored=$($asr score "$out/ref.txt" "$out/hyp-$name.txt")
  echo "$name: asr evaluate: $evaluated"
  echo "$name: asr transcribe + asr score: $scored"
done
