#!/usr/bin/env bash
# Training seconds per epoch on FSDD's official training split (2,700 utterances), same model
# (2 x bidirectional GRU 128, 39-dim MFCC, 29 symbols), batch 32, same thread count, asr beside
# ../shared/peers/torch_ctc.py in its two modes (packed; --no-pack --sort), in one session.
# asr's epoch time includes computing the features (on its feature thread); the reference
# computes them before timing. Medians over 3 epochs; peak RSS of each process.
# SUBSAMPLE=k runs asr with model.subsample=k (default 1, the reference's frame rate).
#   PYTHON=/tmp/venv/bin/python bash bench/train_epoch.sh [gru|lstm]
set -euo pipefail
cd "$(dirname "$0")/.."
cell=${1:-gru}
subsample=${SUBSAMPLE:-1}
python=${PYTHON:-/tmp/venv/bin/python}
peers=${PEERS:-../shared/peers}
data=$(bash scripts/fsdd.sh)/recordings
out=$(mktemp -d)
swift build -c release --product asr >/dev/null
for threads in 1 2; do
  /usr/bin/time -f "%M" -o "$out/asr-$threads.rss" .build/release/asr train recipes/digits.json \
    --set model.cell=$cell --set model.subsample=$subsample --set data.train.takes=5-49 --set data.validation=null --set data.test=null \
    --set data.connected_digits=null --set training.spec_augment.freq_masks=0 --set training.spec_augment.time_masks=0 \
    --set model.dropout=0 --set training.max_frames_per_batch=null --set training.threads=$threads \
    --set training.epochs=3 --set output="$out/asr-$threads" > /dev/null
  "$python" "$peers/torch_ctc.py" --data "$data" --cell $cell --epochs 3 --threads $threads | tail -1 > "$out/packed-$threads.json"
  "$python" "$peers/torch_ctc.py" --data "$data" --cell $cell --epochs 3 --threads $threads --no-pack --sort | tail -1 > "$out/fast-$threads.json"
done
python3 - "$out" "$cell" "$subsample" <<'PY'
import json, statistics, sys
out, cell = sys.argv[1], sys.argv[2]
print(f"{cell}: seconds per training epoch (median of 3), 2,700 utterances, batch 32, asr at model.subsample={sys.argv[3]}")
print(f"{'threads':>7} {'asr':>7} {'torch packed':>13} {'torch fast':>11} {'asr/packed':>11} {'asr/fast':>9} {'RSS asr':>8} {'RSS packed':>10} {'RSS fast':>9}")
for t in (1, 2):
    recs = [json.loads(l) for l in open(f"{out}/asr-{t}/log.jsonl")]
    asr = statistics.median(r["seconds"] for r in recs)
    p = json.load(open(f"{out}/packed-{t}.json")); f = json.load(open(f"{out}/fast-{t}.json"))
    rss = int(open(f"{out}/asr-{t}.rss").read().split()[-1]) / 1024
    print(f"{t:>7} {asr:>7.2f} {p['median_train_s']:>13.2f} {f['median_train_s']:>11.2f} {asr/p['median_train_s']:>10.2f}x "
          f"{asr/f['median_train_s']:>8.2f}x {rss:>7.0f}M {p['maxrss_mib']:>9.0f}M {f['maxrss_mib']:>8.0f}M")
PY
