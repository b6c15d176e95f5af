#!/usr/bin/env bash
# Leave-one-speaker-out on FSDD: for each of the six speakers, train the digits recipe on the
# other five (all takes; takes 45-49 of theirs for validation) and test on every recording
# of the held-out one. Prints one line per speaker (greedy and recipe decoding WER).
#   bash scripts/loso.sh [recipe] [extra --set ...]
# SPEAKERS="theo lucas" holds out only those; runs go to runs/<NAME>-<speaker> (NAME: loso).
set -euo pipefail
cd "$(dirname "$0")/.."
recipe=${1:-recipes/digits.json}
shift || true
# ASR=path/to/asr uses that binary instead of building one.
if [ -z "${ASR:-}" ]; then swift build -c release --product asr >/dev/null; fi
asr=${ASR:-.build/release/asr}
speakers=(george jackson lucas nicolas theo yweweler)
name=${NAME:-loso}
for s in ${SPEAKERS:-${speakers[@]}}; do
  others=$(printf '"%s",' "${speakers[@]}" | sed "s/\"$s\",//; s/,$//")
  $asr train "$recipe" \
    --set "output=runs/$name-$s" \
    --set "data.train.takes=0-44" --set "data.train.exclude_speakers=[\"$s\"]" \
    --set "data.validation.takes=45-49" --set "data.validation.exclude_speakers=[\"$s\"]" \
    --set "data.test.takes=0-49" --set "data.test.speakers=[\"$s\"]" \
    --set "data.connected_digits.test_count=0" --set "data.robustness=[]" "$@" > "runs/$name-$s.log" 2>&1
  echo "$s: $(grep -E '^test, ' "runs/$name-$s.log" | sed 's/ (.*)//' | paste -sd ';' -)"
done
