#!/usr/bin/env bash
# Makes two test sets with sox from the FSDD test files (takes 0-4), made another way than
# asr's own perturbations, to check the robustness figures on audio asr did not generate:
#   OUT/untrimmed/  each test word with 1-2 s of sox pink noise at -55 to -45 dBFS before and
#                   after it (the level and lengths drawn per file, seeded); manifest.tsv.
#   OUT/connected/  60 strings of 1-7 test words of one speaker, with 0.1-0.4 s of sox's
#                   silence between words (sox dithers it: +-1 LSB, not digital zeros); manifest.tsv.
#   bash bench/make_sox_sets.sh /tmp/sox-sets
# Then, for instance:
#   asr transcribe --manifest /tmp/sox-sets/untrimmed/manifest.tsv --format text [--vad] > hyp.tsv
#   asr score <(cut -f2 /tmp/sox-sets/untrimmed/manifest.tsv) <(cut -f2 hyp.tsv)
set -euo pipefail
out=$1
cd "$(dirname "$0")/.."
fsdd=$(bash scripts/fsdd.sh)
words=(zero one two three four five six seven eight nine)
mkdir -p "$out/untrimmed" "$out/connected"
RANDOM=7   # bash's generator, seeded: the same sets on every run

: > "$out/untrimmed/manifest.tsv"
for f in "$fsdd"/recordings/*_[0-4].wav; do
  name=$(basename "$f")
  before=$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 1 + r / 32767 }')
  after=$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 1 + r / 32767 }')
  level=$(awk -v r=$RANDOM 'BEGIN { printf "%.1f", -55 + 10 * r / 32767 }')
  length=$(awk -v a="$before" -v b="$after" -v w="$(soxi -D "$f")" 'BEGIN { printf "%.3f", a + b + w }')
  # Pink noise with its RMS at the level (measured, then scaled), and the word mixed in after
  # `before` seconds.
  sox -n -r 8000 -c 1 -b 16 "$out/untrimmed/raw.wav" synth "$length" pinknoise norm -20
  rms=$(sox "$out/untrimmed/raw.wav" -n stats 2>&1 | awk '/RMS lev dB/ { print $4 }')
  sox "$out/untrimmed/raw.wav" "$out/untrimmed/noise.wav" gain "$(awk -v l="$level" -v r="$rms" 'BEGIN { print l - r }')"
  sox "$f" -r 8000 -c 1 -b 16 "$out/untrimmed/word.wav" pad "$before" "$after"
  sox -m -v 1 "$out/untrimmed/noise.wav" -v 1 "$out/untrimmed/word.wav" "$out/untrimmed/u_$name"   # -v 1: no 1/2 mixing scale
  printf "%s\t%s\n" "$out/untrimmed/u_$name" "${words[${name%%_*}]}" >> "$out/untrimmed/manifest.tsv"
done
rm -f "$out/untrimmed/raw.wav" "$out/untrimmed/noise.wav" "$out/untrimmed/word.wav"

: > "$out/connected/manifest.tsv"
speakers=(george jackson lucas nicolas theo yweweler)
for i in $(seq 1 60); do
  speaker=${speakers[$((i % 6))]}
  count=$((1 + RANDOM % 7))
  parts=() text=()
  for ((k = 0; k < count; k++)); do
    digit=$((RANDOM % 10)) take=$((RANDOM % 5))
    gap=$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.1 + 0.3 * r / 32767 }')
    sox -n -r 8000 -c 1 -b 16 "$out/connected/gap$k.wav" trim 0 "$gap"
    parts+=("$fsdd/recordings/${digit}_${speaker}_${take}.wav" "$out/connected/gap$k.wav")
    text+=("${words[$digit]}")
  done
  sox "${parts[@]}" -r 8000 -b 16 "$out/connected/c$i.wav"
  printf "%s\t%s\n" "$out/connected/c$i.wav" "${text[*]}" >> "$out/connected/manifest.tsv"
done
rm -f "$out"/connected/gap*.wav
echo "$out: $(wc -l < "$out/untrimmed/manifest.tsv") untrimmed words, $(wc -l < "$out/connected/manifest.tsv") connected strings" >&2
