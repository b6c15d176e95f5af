#!/usr/bin/env bash
# The frame-rate trade-off (model.subsample = k): trains each recipe at each k, one after the
# other, and prints every test set of their reports side by side, with each run's wall time,
# peak memory and median epoch. Test speakers are FSDD's six, takes 0-4 (the official split).
#   bash bench/subsample_sweep.sh                      (KS="1 2 3 4", RECIPES="digits digits-robust")
# Runs go to $OUT/<recipe>-k<k> (default runs/sweep); a run already finished there is reused,
# so a stopped sweep continues where it was.
set -euo pipefail
cd "$(dirname "$0")/.."
ks=${KS:-1 2 3 4}
recipes=${RECIPES:-digits digits-robust}
out=${OUT:-runs/sweep}
swift build -c release --product asr >&2
mkdir -p "$out"
for recipe in $recipes; do
  for k in $ks; do
    run=$out/$recipe-k$k
    [ -f "$run/results.json" ] && continue
    echo "training $recipe at k=$k -> $run" >&2
    /usr/bin/time -f "%e %M" -o "$out/$recipe-k$k.time" .build/release/asr train "recipes/$recipe.json" \
      --set model.subsample="$k" --set output="$run" > "$out/$recipe-k$k.log" 2>&1
  done
done
python3 - "$out" "$recipes" "$ks" <<'PY'
import json, sys
out, recipes, ks = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
for recipe in recipes:
    runs = {k: json.load(open(f"{out}/{recipe}-k{k}/results.json")) for k in ks}
    times = {k: open(f"{out}/{recipe}-k{k}.time").read().split() for k in ks}
    print(f"\n{recipe}: WER % by model.subsample (FSDD test speakers, takes 0-4; 1 error in 300 words = 0.33)")
    print("| test set | decoding | " + " | ".join(f"k={k}" for k in ks) + " |")
    print("|---|---|" + "---|" * len(ks))
    first = runs[ks[0]]["results"]
    for i, r in enumerate(first):
        cells = []
        for k in ks:
            m = [x for x in runs[k]["results"] if x["set"] == r["set"] and x["decoding"] == r["decoding"]]
            cells.append(f"{100 * m[0]['wer']:.2f}" if m else "-")
        print(f"| {r['set']} | {r['decoding']} | " + " | ".join(cells) + " |")
    print("| training wall time | | " + " | ".join(f"{float(times[k][0]) / 60:.1f} min" for k in ks) + " |")
    print("| median epoch | | " + " | ".join(f"{runs[k]['median_epoch_seconds']:.2f} s" for k in ks) + " |")
    print("| best epoch / epochs run | | " + " | ".join(f"{runs[k]['best_epoch']} / {runs[k]['epochs']}" for k in ks) + " |")
    print("| peak RSS | | " + " | ".join(f"{int(times[k][1]) / 1024:.0f} MB" for k in ks) + " |")
PY
