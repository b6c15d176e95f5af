#!/usr/bin/env bash
# Seconds per training epoch on FSDD's 2,700 training utterances (the setting of
# bench/train_epoch.sh: 2 x bidirectional GRU 128, batch 32, no validation, augmentation or
# dropout) in three ways on this machine:
#   1 process, training.threads=1          (one core)
#   mpirun -np 2, training.threads=1 each  (one core per rank, batch 32 split 16 + 16)
#   1 process, training.threads=2          (two directions on two threads)
# One BLAS thread everywhere. Each way runs 3 epochs, ROUNDS times (interleaved); the figure
# is the median over the rounds of each run's median epoch. Then the allreduce alone, for the
# gradient sizes of the GRU and LSTM digits models and bigger ones.
#   bash bench/mpi_epoch.sh            (ROUNDS=3; MPIRUN_ARGS="--bind-to none" to try without binding)
# Wrap it in `flock /tmp/asr-bench.lock` on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-3}
out=$(mktemp -d)
swift build -c release --product asr >/dev/null
swift build -c release --product asr-bench >/dev/null
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun=(mpirun --oversubscribe ${MPIRUN_ARGS:-})
common=(--set data.train.takes=5-49 --set data.validation=null --set data.test=null --set data.connected_digits=null
        --set training.spec_augment.freq_masks=0 --set training.spec_augment.time_masks=0 --set model.dropout=0
        --set training.max_frames_per_batch=null --set training.epochs=3)
for round in $(seq "$rounds"); do
  .build/release/asr train recipes/digits.json "${common[@]}" --set training.threads=1 --set output="$out/one-$round" >/dev/null 2>&1
  "${mpirun[@]}" -np 2 .build/release/asr train recipes/digits.json "${common[@]}" --set training.threads=1 --set output="$out/two-$round" >/dev/null 2>&1
  .build/release/asr train recipes/digits.json "${common[@]}" --set training.threads=2 --set output="$out/threads-$round" >/dev/null 2>&1
done
python3 - "$out" "$rounds" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def run(name):
    recs = [[json.loads(l) for l in open(f"{out}/{name}-{r}/log.jsonl")] for r in range(1, rounds + 1)]
    per_run = [statistics.median(x["seconds"] for x in rs) for rs in recs]
    share = [statistics.median(x.get("allreduce_seconds", 0) / x["seconds"] for x in rs) for rs in recs]
    return statistics.median(per_run), per_run, statistics.median(share)
one, two, thr = run("one"), run("two"), run("threads")
print(f"seconds per epoch, median of {rounds} runs (each the median of 3 epochs); 2,700 utterances, batch 32")
for label, r in [("1 process, 1 thread", one), ("2 MPI ranks, 1 thread each", two), ("1 process, 2 threads", thr)]:
    extra = f", in allreduce (incl. waiting) {100 * r[2]:.1f}%" if r[2] else ""
    print(f"  {label:28s} {r[0]:6.2f} s  speed-up {one[0] / r[0]:.2f}x  runs {', '.join(f'{x:.2f}' for x in r[1])}{extra}")
PY
echo "allreduce alone (2 ranks, shared memory):"
"${mpirun[@]}" -np 2 .build/release/asr-bench allreduce --floats 433695,575775,4000000,16000000
