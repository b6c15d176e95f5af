#!/usr/bin/env bash
# The bad inputs of issue 17, replayed on an asr binary: scripts/hostile.sh [ASR] (default
# .build/release/asr). Each case runs under a 4 GiB address-space cap and a 30 s limit and must
# end with a clear error (exit 1-64, a message matching the case's pattern: it names the file,
# line or key) or a valid result (exit 0); a signal, a trap ("Fatal error", "runtime failure"), a
# timeout or an error without a message fails the case. Prints one line per case and a count.
set -uo pipefail
asr=$(readlink -f "${1:-.build/release/asr}")
[ -x "$asr" ] || { echo "hostile.sh: no asr binary at $asr (build it, or pass its path)" >&2; exit 2; }
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d) && trap 'rm -rf "$work"' EXIT
cd "$work"
failed=0 total=0

# check NAME PATTERN COMMAND...: PATTERN is an extended regex the error must match ("" when the
# case must succeed; "any" when either a clear error or success is right).
check() {
  local name=$1 pattern=$2; shift 2
  total=$((total + 1))
  local rc=0
  ( ulimit -v $((4 << 20)); exec timeout 30 "$@" ) >out.txt 2>err.txt || rc=$?
  local verdict=ok why=""
  if grep -qE "Fatal error|runtime failure|Backtracing" out.txt err.txt; then verdict=FAIL why="a trap"
  elif [ $rc -eq 124 ]; then verdict=FAIL why="over 30 s"
  elif [ $rc -ge 65 ]; then verdict=FAIL why="exit $rc (a signal or a crash)"
  elif [ $rc -ne 0 ] && [ "$pattern" = "" ]; then verdict=FAIL why="exit $rc, expected success"
  elif [ $rc -ne 0 ] && [ "$pattern" != "any" ] && ! grep -qE -- "$pattern" err.txt; then verdict=FAIL why="the error does not match /$pattern/"
  elif [ $rc -ne 0 ] && [ ! -s err.txt ]; then verdict=FAIL why="failed without a message"
  fi
  local said; said=$(grep -vE '^(Help|Usage|  See)' err.txt | head -1 | cut -c1-150)
  [ $rc -eq 0 ] && said="(exit 0) $(head -1 out.txt | cut -c1-100)"
  printf '%-4s %-52s %s\n' "$verdict" "$name" "${why:+$why: }$said"
  [ $verdict = ok ] || { failed=$((failed + 1)); sed 's/^/     | /' err.txt | head -5; }
}

# edit_meta IN OUT 'python statements on m (the metadata dict) and json'
edit_meta() {
  python3 - "$1" "$2" "$3" <<'PY'
import json, struct, sys
src, dst, code = sys.argv[1:]
data = open(src, "rb").read()
n = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8:8 + n])
m = header["__metadata__"]
model, features = json.loads(m["asr.model"]), json.loads(m["asr.features"])
exec(code)
m["asr.model"], m["asr.features"] = json.dumps(model), json.dumps(features)
text = json.dumps(header).encode()
open(dst, "wb").write(struct.pack("<Q", len(text)) + text + data[8 + n:])
PY
}

# Fixtures: a small random-weight checkpoint (16 kHz MFCC), three tones, manifests, a recipe.
model=$repo/Tests/fuzz/seeds/checkpoint/gru.safetensors
python3 - <<'PY'
import math, struct, wave
for name, freq in (("a.wav", 300), ("b.wav", 500), ("c.wav", 700)):
    w = wave.open(name, "wb"); w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
    w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * freq * i / 16000))) for i in range(4800)))
    w.close()
# One NaN sample in a 32-bit float WAV (format 3).
samples = [0.1 * math.sin(i / 10) for i in range(4800)]; samples[1234] = float("nan")
body = struct.pack("<%df" % len(samples), *samples)
fmt = struct.pack("<HHIIHH", 3, 1, 16000, 64000, 4, 32)
open("nan.wav", "wb").write(b"RIFF" + struct.pack("<I", 4 + 8 + 16 + 8 + len(body)) + b"WAVE" + b"fmt " + struct.pack("<I", 16)
                            + fmt + b"data" + struct.pack("<I", len(body)) + body)
open("long-line.tsv", "w").write("a.wav\t" + "one " * 2_500_000 + "\n")
open("long-hyp.tsv", "w").write("a.wav\t" + "two " * 2_500_000 + "\n")
PY
printf 'a.wav\tone\nb.wav\ttwo\nc.wav\tthree\na.wav\tone\n' > dup.tsv
printf 'path\ttext\n# a comment\na.wav\tone\nb.wav\ttwo\n' > header.tsv
cat > recipe.json <<'JSON'
{ "name": "hostile",
  "data": { "train": { "path": "dup.tsv" }, "validation": { "path": "dup.tsv" }, "test": { "path": "dup.tsv" } },
  "features": { "type": "mfcc", "sample_rate": 16000 },
  "model": { "cell": "gru", "hidden_size": 8, "layers": 1 },
  "training": { "epochs": 1, "batch_size": 2 },
  "decoding": { "method": "greedy" } }
JSON
printf '\\data\\\nngram 1=1000000000\n\n\\1-grams:\n-1\tone\n\n\\end\\\n' > huge-count.arpa
printf '\\data\\\nngram 1=9223372036854775807\n\n\\1-grams:\n-1\tone\n\n\\end\\\n' > max-count.arpa

echo "== checkpoints: metadata is checked against the tensors before anything is built"
edit_meta "$model" projection.safetensors 'model["projection"] = 10**9'
check "model.projection 1e9" "projection" "$asr" transcribe --model projection.safetensors a.wav
edit_meta "$model" mel.safetensors 'features["num_mel_bins"] = 10**9'
check "features.num_mel_bins 1e9" "num_mel_bins" "$asr" transcribe --model mel.safetensors a.wav
edit_meta "$model" shift.safetensors 'features["frame_shift_ms"] = 1e308'
check "features.frame_shift_ms 1e308" "frame_shift_ms" "$asr" transcribe --model shift.safetensors a.wav
edit_meta "$model" big.safetensors 'model["hidden_size"] = 4096; model["layers"] = 16'
check "hidden_size 4096 x 16 layers (18 GB)" "parameters" "$asr" transcribe --model big.safetensors a.wav
edit_meta "$model" shadow.safetensors 'm["asr.decoding"] = json.dumps({"method": "beam", "lm": "/etc/shadow"})'
check "stored decoding names lm /etc/shadow" "never opens a path" "$asr" transcribe --model shadow.safetensors a.wav
if grep -q "root:" err.txt; then echo "FAIL the error printed a line of /etc/shadow"; failed=$((failed + 1)); fi
check "a recipe given as --model" "not a safetensors file" "$asr" transcribe --model "$repo/recipes/digits.json" a.wav
mkdir -p run && cp "$model" run/best.safetensors
check "a run folder as --model (its best.safetensors)" "" "$asr" transcribe --model run a.wav

echo "== NaN"
python3 - "$model" <<'PY'
import json, struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
n = struct.unpack("<Q", data[:8])[0]
h = json.loads(data[8:8 + n]); name = next(k for k in h if k != "__metadata__" and h[k]["dtype"] == "F32")
start = 8 + n + h[name]["data_offsets"][0]
data[start:start + 4] = struct.pack("<f", float("nan"))
open("nan.safetensors", "wb").write(data)
PY
check "a NaN weight" "finite" "$asr" transcribe --model nan.safetensors a.wav
check "asr average of a NaN checkpoint" "finite" "$asr" average nan.safetensors "$model" -o avg.safetensors
[ -e avg.safetensors ] && { echo "FAIL asr average wrote avg.safetensors"; failed=$((failed + 1)); }
check "a NaN sample in a float WAV" "nan.wav.*sample 1234" "$asr" transcribe --model "$model" nan.wav
check "--format json is JSON (json.load reads it)" "" bash -c "'$asr' transcribe --model '$model' --format json a.wav | python3 -c 'import json,sys; json.load(sys.stdin)'"
check "--format jsonl: each line is JSON" "" bash -c "'$asr' transcribe --model '$model' --format jsonl a.wav b.wav | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]'"

echo "== recipes: every numeric key has a range, checked when the recipe is read"
for set in data.connected_digits.max_digits=0 data.connected_digits.max_digits=-1 \
           training.spec_augment.freq_width=9223372036854775807 training.spec_augment.time_masks=2147483648 \
           features.frame_length_ms=18446744073709551616 features.num_mel_bins=1000000000 name=../x; do
  check "--set $set" "${set%%=*}" "$asr" train recipe.json --set "$set"
done

echo "== ARPA counts are checked against the file"
check "ngram 1=1000000000 (one line follows)" "huge-count.arpa" "$asr" transcribe --model "$model" --lm huge-count.arpa a.wav
check "ngram 1=9223372036854775807" "max-count.arpa" "$asr" transcribe --model "$model" --lm max-count.arpa a.wav

echo "== manifests"
check "duplicate lines: asr evaluate scores each file once" "" "$asr" evaluate --model "$model" --manifest dup.tsv
grep -q "listed twice" err.txt || { echo "FAIL no warning named the repeated line"; failed=$((failed + 1)); }
check "duplicate lines: transcribe --manifest refuses" "dup.tsv:4.*listed twice" "$asr" transcribe --model "$model" --manifest dup.tsv
check "a header and a comment line are said so" "" "$asr" transcribe --model "$model" --manifest header.tsv
grep -q "note: .*header" err.txt && grep -q "note: .*comment" err.txt || { echo "FAIL no note for the header or comment"; failed=$((failed + 1)); }
check "duplicate lines: training (each file once)" "" "$asr" train recipe.json --set training.max_bad_share=0.5
grep -q "listed twice" err.txt out.txt || { echo "FAIL training did not name the repeated line"; failed=$((failed + 1)); }
check "a 10 MB transcript line (asr evaluate)" "long-line.tsv:1.*bytes" "$asr" evaluate --model "$model" --manifest long-line.tsv
check "a 10 MB transcript line (asr score)" "long-hyp.tsv:1.*bytes" "$asr" score dup.tsv long-hyp.tsv

echo "== output"
check "asr train with standard output closed" "any" bash -c "'$asr' train recipe.json --set name=closed --set training.max_bad_share=0.5 | true"
if mkdir -p full && mount -t tmpfs -o size=4k tmpfs full 2>/dev/null; then
  for i in $(seq 1 100); do cp a.wav "w$i.wav"; done
  check "transcribe onto a full disk" "No space|space" "$asr" transcribe --model "$model" --format jsonl --output full/out.jsonl w*.wav
  python3 -c "import json,sys; [json.loads(l) for l in open('full/out.jsonl')]" 2>/dev/null \
    || { echo "FAIL full/out.jsonl holds a broken line"; failed=$((failed + 1)); }
  mount -o remount,size=1m full
  check "... then --resume with space again: all 100 lines" "" "$asr" transcribe --model "$model" --format jsonl --output full/out.jsonl --resume w*.wav
  python3 -c "import json,sys; n = len([json.loads(l) for l in open('full/out.jsonl')]); sys.exit(n != 100)" \
    || { echo "FAIL full/out.jsonl does not hold 100 whole lines"; failed=$((failed + 1)); }
  umount full
else
  echo "skip transcribe onto a full disk (cannot mount a tmpfs here)"
fi

echo "$((total - failed)) of $total cases ended with a clear error or a valid result, under 4 GiB and 30 s"
[ $failed -eq 0 ]
