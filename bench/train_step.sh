#!/usr/bin/env bash
# One training step of the digits model (forward, CTC, backward, Adam; batch 32, up to 100
# frames, ragged) in asr and in PyTorch, on the same machine in the same session, with 1 and 2
# threads. PyTorch runs in both its modes: packed (exact semantics, like asr) and padded
# (its fastest CPU path). Prints median ms per step, the ratios, and peak RSS.
#
#   bash bench/train_step.sh              # PYTHON=/path/to/python with torch==2.11.0
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-/tmp/venv/bin/python}
steps=${STEPS:-30}
out=$(mktemp -d)
swift build -c release --product asr-bench >/dev/null
for cell in gru lstm; do
  for threads in 1 2; do
    .build/release/asr-bench train-step --cell $cell --threads $threads --steps $steps > "$out/asr-$cell-$threads.json"
    for mode in packed padded; do
      "$python" bench/torch_train_step.py --cell $cell --threads $threads --mode $mode --steps $steps \
        > "$out/torch-$cell-$threads-$mode.json"
    done
  done
done
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
print(f"{'cell':5} {'thr':>3} {'asr ms':>7} {'torch packed':>13} {'torch padded':>13} {'vs packed':>10} {'vs padded':>10} {'asr GFLOP/s':>12} {'asr RSS MB':>10} {'torch RSS MB':>12}")
for cell in ("gru", "lstm"):
    for t in (1, 2):
        a = json.load(open(f"{out}/asr-{cell}-{t}.json"))
        p = json.load(open(f"{out}/torch-{cell}-{t}-packed.json"))
        q = json.load(open(f"{out}/torch-{cell}-{t}-padded.json"))
        print(f"{cell:5} {t:>3} {a['median_ms']:>7.1f} {p['median_ms']:>13.1f} {q['median_ms']:>13.1f} "
              f"{p['median_ms']/a['median_ms']:>9.1f}x {q['median_ms']/a['median_ms']:>9.1f}x {a['gflops']:>12.1f} "
              f"{a['peak_rss_mb']:>10.0f} {max(p['peak_rss_mb'], q['peak_rss_mb']):>12.0f}")
a = json.load(open(f"{out}/asr-gru-1.json"))
print("asr phases (gru, 1 thread, ms): forward", a["forward_ms"], "ctc", a["ctc_ms"], "backward", a["backward_ms"], "adam", a["adam_ms"])
print("cblas_sgemm alone, GFLOP/s (m x k x n):", a["sgemm_gflops"], "; GFLOP per step:", a["gflop_per_step"])
PY
