#!/usr/bin/env bash
# Transcription speed, asr against the PyTorch reference, in one session on one machine:
#  - the 300 files of the FSDD test split (takes 0-4), greedy, on 1 and 2 cores, for the float
#    model and its int8 copy (`asr quantize`), as real-time factor two ways:
#      in-process: asr's own summary line, from the first file read to the last line written
#        (what ../shared/peers/infer_bench.py's end-to-end figure times: reading, features,
#        model, decoding; its process start and model load are not timed either);
#      whole command: the wall time of `asr transcribe ...`, start-up and model load included;
#    beside infer_bench.py (batch 1 and 32, end to end and model alone) with 1 and 2 threads;
#  - process start (`asr --help`) and start + model load + one short file, apart;
#  - a 10-minute recording made by concatenation (bench/make_long_audio.sh): asr (greedy, and
#    the model's own beam + lexicon) beside bench/torch_infer_long.py (the whole file at once);
#  - the split of asr's thread time between features, model and decoding;
#  - with MEMORY=1, the peak resident memory of asr on a one-hour 16 kHz file.
# Medians of REPEATS runs (after one warm-up run). 1 core: taskset -c 0 and --jobs 1.
#   bash bench/transcribe.sh            (MODEL, TORCH_MODEL, PYTHON, REPEATS may be set)
# TORCH_MODEL is a model saved by: python ../shared/peers/torch_ctc.py --save /tmp/torch_gru.pt
# (the reference runs its model at the feature frame rate; MODEL runs at its own: its
# recipe's model.subsample).
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
int8=$work/int8.safetensors
"$asr" quantize "$model" -o "$int8" >&2

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
# Median of the seconds asr's summary line gives ("... in 0.05 s: ..."), over $repeats runs.
inprocess() {
  "$@" > /dev/null 2>&1 || true
  for _ in $(seq "$repeats"); do
    "$@" 2>&1 >/dev/null | grep -o 'audio) in [0-9.]* s' | awk '{ print $3 }'
  done | median
}
audio_of() { "$asr" transcribe --model "$model" --greedy --quiet "$@" --format jsonl | awk -F'"duration":' '{ split($2, a, ","); s += a[1] } END { print s }'; }
test_audio=$(audio_of --manifest "$work/test.txt")
long_audio=$(audio_of "$long")
x() { awk -v a="$1" -v w="$2" 'BEGIN { printf "%.0fx", a / w }'; }
ms() { awk -v w="$1" 'BEGIN { printf "%.0f ms", 1000 * w }'; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "model: $model"
echo "test split: $test_audio s of audio in 300 files; long file: $long_audio s"
echo
echo "| run | 1 core | 2 cores |"
echo "|---|---|---|"
row() { echo "| $1 | $2 | $3 |"; }
for cores in 1 2; do
  pin="taskset -c $(seq -s, 0 $((cores - 1)))"
  for kind in float int8; do
    m=$model; [ $kind = int8 ] && m=$int8
    t=$(inprocess $pin "$asr" transcribe --model "$m" --greedy --jobs "$cores" --manifest "$work/test.txt" --output "$work/out.jsonl")
    eval "asr_in_${kind}_$cores=\$(x $test_audio $t)"
    t=$(wall $pin "$asr" transcribe --model "$m" --greedy --jobs "$cores" --manifest "$work/test.txt" --output "$work/out.jsonl")
    eval "asr_cmd_${kind}_$cores=\"\$(x $test_audio $t) (\$(ms $t))\""
  done
  t=$(wall $pin "$asr" transcribe --model "$model" --greedy --jobs "$cores" "$long" --output "$work/long.txt")
  eval "asr_long_$cores=\$(x $long_audio $t)"
  t=$(wall $pin "$asr" transcribe --model "$int8" --greedy --jobs "$cores" "$long" --output "$work/long.txt")
  eval "asr_long_int8_$cores=\$(x $long_audio $t)"
  t=$(wall $pin "$asr" transcribe --model "$model" --jobs "$cores" "$long" --output "$work/long-lex.txt")
  eval "asr_long_lex_$cores=\$(x $long_audio $t)"
  if [ -f "$torch_model" ]; then
    json=$($pin "$python" ../shared/peers/infer_bench.py --model "$torch_model" --data "$fsdd/recordings" --threads "$cores" --repeats "$repeats" | tail -1)
    field() { echo "$json" | "$python" -c "import json,sys; print('%.0fx' % json.load(sys.stdin)['$1']['x_realtime'])"; }
    eval "torch_e2e_b1_$cores=$(field e2e_b1)"
    eval "torch_e2e_b32_$cores=$(field e2e_b32)"
    eval "torch_model_b32_$cores=$(field model_b32)"
    json=$($pin "$python" bench/torch_infer_long.py --model "$torch_model" --audio "$long" --threads "$cores" --repeats 3)
    eval "torch_long_$cores=\$(echo '$json' | $python -c 'import json,sys; print(\"%.0fx\" % json.load(sys.stdin)[\"x_realtime\"])')"
  fi
done
row "asr, 300 test files, greedy, in-process" "$asr_in_float_1" "$asr_in_float_2"
row "asr int8, 300 test files, greedy, in-process" "$asr_in_int8_1" "$asr_in_int8_2"
row "asr, 300 test files, greedy, whole command" "$asr_cmd_float_1" "$asr_cmd_float_2"
row "asr int8, 300 test files, greedy, whole command" "$asr_cmd_int8_1" "$asr_cmd_int8_2"
row "PyTorch, 300 test files, greedy, end to end, batch 1" "${torch_e2e_b1_1:--}" "${torch_e2e_b1_2:--}"
row "PyTorch, 300 test files, greedy, end to end, batch 32" "${torch_e2e_b32_1:--}" "${torch_e2e_b32_2:--}"
row "PyTorch, 300 test files, model only (features in memory), batch 32" "${torch_model_b32_1:--}" "${torch_model_b32_2:--}"
row "asr, 10-minute file, greedy" "$asr_long_1" "$asr_long_2"
row "asr int8, 10-minute file, greedy" "$asr_long_int8_1" "$asr_long_int8_2"
row "asr, 10-minute file, beam 8 + lexicon (the model's decoding)" "$asr_long_lex_1" "$asr_long_lex_2"
row "PyTorch, 10-minute file, greedy, whole file" "${torch_long_1:--}" "${torch_long_2:--}"
echo
one=$(head -1 "$work/test.txt")
echo "Start-up, 1 core: process start (asr --help) $(ms "$(wall taskset -c 0 "$asr" --help)");" \
  "start + model load + one file ($(basename "$one")): float $(ms "$(wall taskset -c 0 "$asr" transcribe --model "$model" --greedy "$one")")," \
  "int8 $(ms "$(wall taskset -c 0 "$asr" transcribe --model "$int8" --greedy "$one")")"
echo
echo "Thread seconds by stage, 300 test files, 1 core (from asr's summary line):"
for m in "$model" "$int8"; do
  for decoding in "--greedy" "--beam 8 --no-lexicon" "--beam 8"; do
    # shellcheck disable=SC2086
    line=$(taskset -c 0 "$asr" transcribe --model "$m" $decoding --jobs 1 --manifest "$work/test.txt" --output "$work/out.jsonl" 2>&1 | grep "thread time")
    echo "- $(basename "$m") $decoding: ${line#*thread time: }"
  done
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
