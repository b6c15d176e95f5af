#!/usr/bin/env bash
# Makes a long recording of spoken digits for the long-file benchmarks: the FSDD test files
# (takes 0-4), speaker after speaker (each speaker's 50 in a fixed shuffled order, as one person
# reading digits would), repeated until MINUTES are filled, with GAP seconds of silence between
# words. Writes OUT (WAV, 8 kHz, or RATE Hz if given) and OUT.txt (the words).
#   bash bench/make_long_audio.sh /tmp/long10.wav 10 [gap=0.25] [rate=8000]
set -euo pipefail
out=$1 minutes=$2 gap=${3:-0.25} rate=${4:-8000}
cd "$(dirname "$0")/.."
fsdd=$(bash scripts/fsdd.sh)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
words=(zero one two three four five six seven eight nine)
sox -D -n -r 8000 -c 1 -b 16 "$work/gap.wav" trim 0 "$gap"
for speaker in george jackson lucas nicolas theo yweweler; do
  ls "$fsdd"/recordings/*_"$speaker"_[0-4].wav | shuf --random-source=<(yes)
done > "$work/order"
target=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 * 8000 }')
gapSamples=$(awk -v g="$gap" 'BEGIN { printf "%d", g * 8000 }')
total=0 list=() text=()
while [ "$total" -lt "$target" ]; do
  while read -r f && [ "$total" -lt "$target" ]; do
    list+=("$f" "$work/gap.wav")
    total=$((total + $(soxi -s "$f") + gapSamples))
    d=$(basename "$f"); text+=("${words[${d%%_*}]}")
  done < "$work/order"
done
# sox takes the list in pieces of 500 files to stay within the argument limit.
parts=()
for ((i = 0; i < ${#list[@]}; i += 500)); do
  sox -D "${list[@]:i:500}" "$work/part$i.wav"
  parts+=("$work/part$i.wav")
done
sox -D "${parts[@]}" -r "$rate" "$out"
echo "${text[*]}" > "$out.txt"
echo "$out: $(soxi -d "$out"), ${#text[@]} words, reference in $out.txt" >&2
