#!/usr/bin/env bash
# Transcription speed, asr against the PyTorch reference, in one session on one machine:
#  - the 300 files of the FSDD test split (takes 0-4), end to end (read, features, model,
#    decoding, output), as real-time factor: asr transcribe greedy on 1 and 2 cores, beside
#    ../shared/peers/infer_bench.py (batch 1 and 32) with 1 and 2 threads;
#  - a 10-minute recording made by concatenation (bench/make_long_audio.sh): asr (greedy, and
#    the model's own beam + lexicon) beside bench/torch_infer_long.py (the whole file at once);
#  - the split of asr's thread time between model and decoding for greedy, beam 8 and beam 8
#    with the lexicon (is beam search cheaper than the encoder?);
#  - with MEMORY=1, the peak resident memory of asr on a one-hour 16 kHz file.
# Medians of REPEATS runs of whole commands. 1 core: taskset -c 0 and --jobs 1.
#   bash bench/transcribe.sh            (MODEL, TORCH_MODEL, PYTHON, REPEATS may be set)
# TORCH_MODEL is a model saved by: python ../shared/peers/torch_ctc.py --save /tmp/torch_gru.pt
set -euo pipefail
cd "$(dirname "$0")/.."
model=${MODEL:-runs/digits/best.safetensors}
torch_model=${TORCH_MODEL:-/tmp/torch_gru.pt}
python=${PYTHON:-/tmp/venv/bin/python}
repeats=${REPEATS:-5}
fsdd=$(bash scripts/fsdd.sh)
swift build -c release --product asr >&2
asr=.build/release/asr
work=${WORK:-/tmp/asr-bench-transcribe}
mkdir -p "$work"
long=$work/long10.wav
[ -f "$long" ] || bash bench/make_long_audio.sh "$long" 10 >&2
ls "$fsdd"/recordings/*_[0-4].wav > "$work/test.txt"

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# Median wall seconds of a command over $repeats runs (after one warm-up run).
wall() {
  "$@" > /dev/null 2>&1 || true
  for _ in $(seq "$repeats"); do
    local t0 t1
    t0=$(date +%s.%N); "$@" > /dev/null 2>&1 || true; t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc -l
  done | median
}
audio_of() { "$asr" transcribe --model "$model" --greedy --quiet "$@" --format jsonl | awk -F'"duration":' '{ split($2, a, ","); s += a[1] } END { print s }'; }
test_audio=$(audio_of --manifest "$work/test.txt")
long_audio=$(audio_of "$long")
x() { awk -v a="$1" -v w="$2" 'BEGIN { printf "%.0fx", a / w }'; }

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); test split $test_audio s of audio in 300 files; long file $long_audio s"
echo
echo "| run | 1 core | 2 cores |"
echo "|---|---|---|"
row() { echo "| $1 | $2 | $3 |"; }
for cores in 1 2; do
  pin="taskset -c $(seq -s, 0 $((cores - 1)))"
  t=$(wall $pin "$asr" transcribe --model "$model" --greedy --jobs "$cores" --manifest "$work/test.txt" --output "$work/out.jsonl")
  eval "asr_test_$cores=\$(x $test_audio $t)"
  t=$(wall $pin "$asr" transcribe --model "$model" --greedy --jobs "$cores" "$long" --output "$work/long.txt")
  eval "asr_long_$cores=\$(x $long_audio $t)"
  t=$(wall $pin "$asr" transcribe --model "$model" --jobs "$cores" "$long" --output "$work/long-lex.txt")
  eval "asr_long_lex_$cores=\$(x $long_audio $t)"
  if [ -f "$torch_model" ]; then
    json=$($pin "$python" ../shared/peers/infer_bench.py --model "$torch_model" --data "$fsdd/recordings" --threads "$cores" --repeats "$repeats" | tail -1)
    eval "torch_e2e_b1_$cores=\$(echo '$json' | $python -c 'import json,sys; d=json.load(sys.stdin); print(\"%.0fx\" % d[\"e2e_b1\"][\"x_realtime\"])')"
    eval "torch_e2e_b32_$cores=\$(echo '$json' | $python -c 'import json,sys; d=json.load(sys.stdin); print(\"%.0fx\" % d[\"e2e_b32\"][\"x_realtime\"])')"
    eval "torch_model_b32_$cores=\$(echo '$json' | $python -c 'import json,sys; d=json.load(sys.stdin); print(\"%.0fx\" % d[\"model_b32\"][\"x_realtime\"])')"
    json=$($pin "$python" bench/torch_infer_long.py --model "$torch_model" --audio "$long" --threads "$cores" --repeats 3)
    eval "torch_long_$cores=\$(echo '$json' | $python -c 'import json,sys; print(\"%.0fx\" % json.load(sys.stdin)[\"x_realtime\"])')"
  fi
done
row "asr, 300 test files, greedy, end to end" "$asr_test_1" "$asr_test_2"
row "PyTorch, 300 test files, greedy, end to end, batch 1" "${torch_e2e_b1_1:--}" "${torch_e2e_b1_2:--}"
row "PyTorch, 300 test files, greedy, end to end, batch 32" "${torch_e2e_b32_1:--}" "${torch_e2e_b32_2:--}"
row "PyTorch, 300 test files, model only (features in memory), batch 32" "${torch_model_b32_1:--}" "${torch_model_b32_2:--}"
row "asr, 10-minute file, greedy" "$asr_long_1" "$asr_long_2"
row "asr, 10-minute file, beam 8 + lexicon (the model's decoding)" "$asr_long_lex_1" "$asr_long_lex_2"
row "PyTorch, 10-minute file, greedy, whole file" "${torch_long_1:--}" "${torch_long_2:--}"
echo
echo "Thread seconds by stage, 300 test files, 1 core (from asr's summary line):"
for decoding in "--greedy" "--beam 8 --no-lexicon" "--beam 8"; do
  # shellcheck disable=SC2086
  line=$(taskset -c 0 "$asr" transcribe --model "$model" $decoding --jobs 1 --manifest "$work/test.txt" --output "$work/out.jsonl" 2>&1 | grep "thread time")
  echo "- $decoding: ${line#*thread time: }"
done
if [ "${MEMORY:-0}" = 1 ]; then
  hour=$work/long60-16k.wav
  [ -f "$hour" ] || bash bench/make_long_audio.sh "$hour" 60 0.25 16000 >&2
  echo
  for decoding in "--greedy" ""; do
    # shellcheck disable=SC2086
    /usr/bin/time -f "%e s wall, %M KB peak" "$asr" transcribe --model "$model" $decoding "$hour" --output "$work/hour.txt" 2> "$work/time.txt" || true
    echo "- one hour at 16 kHz ($(soxi -d "$hour")), ${decoding:-beam 8 + lexicon}: $(tail -1 "$work/time.txt")"
  done
fi
