#!/usr/bin/env bash
# Feature throughput of asr beside torchaudio's Kaldi MFCC and python_speech_features, on the
# same files, in the same session: 39-dim MFCC + deltas + delta-deltas + per-utterance CMVN over
# every FSDD recording, 1 and 2 threads. Prints a table of audio-seconds per wall-second
# (median of the timed passes) and the ratio asr / torchaudio.
#
#   bash bench/features.sh                     # FSDD from ../shared/data/fsdd
#   PYTHON=/tmp/venv/bin/python bash bench/features.sh
# The reference needs: pip install torch==2.11.0 torchaudio==2.11.0 soundfile numpy python_speech_features
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(bash scripts/fsdd.sh)/recordings
python=${PYTHON:-/tmp/venv/bin/python}
peers=${PEERS:-../shared/peers}
out=$(mktemp -d)

swift build -c release --product asr-bench >/dev/null
for threads in 1 2; do
  .build/release/asr-bench features --data "$data" --threads "$threads" --repeats 5 > "$out/asr-$threads.json"
  if [ -x "$python" ] && [ -f "$peers/mfcc_bench.py" ]; then
    "$python" "$peers/mfcc_bench.py" --data "$data" --threads "$threads" --repeats 3 \
      --only torchaudio_kaldi,python_speech_features | tail -1 > "$out/ref-$threads.json"
  fi
done

python3 - "$out" <<'PY'
import json, os, statistics, sys
out = sys.argv[1]
print(f"{'threads':>7} {'asr x-rt':>9} {'torchaudio x-rt':>16} {'psf x-rt':>9} {'asr/torchaudio':>15}")
for t in (1, 2):
    a = json.load(open(f"{out}/asr-{t}.json"))
    asr = a["audio_s"] / a["median_s"]
    ref_path = f"{out}/ref-{t}.json"
    if not os.path.exists(ref_path):
        print(f"{t:>7} {asr:>9.0f} {'(not run)':>16}")
        continue
    r = json.load(open(ref_path))
    ta = r["audio_s"] / statistics.median(r["torchaudio_kaldi"]["all_wall_s"])
    psf = r["audio_s"] / statistics.median(r["python_speech_features"]["all_wall_s"])
    print(f"{t:>7} {asr:>9.0f} {ta:>16.0f} {psf:>9.0f} {asr / ta:>14.1f}x")
print("(medians; asr's passes: " + ", ".join(str(json.load(open(f'{out}/asr-{t}.json'))['wall_s']) for t in (1, 2)) + " s)")
PY
