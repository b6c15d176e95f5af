#!/usr/bin/env bash
# One shard of a corpus split across machines: shard I of N (0-based) transcribes the files at
# positions I, I+N, I+2N, ... of INPUT into OUTDIR/shard-I-of-N.jsonl, resuming if that file is
# there already. I and N come from the scheduler, or from SHARD_INDEX and SHARD_COUNT:
#   Slurm array:          sbatch --array=0-7 --wrap "bash scripts/transcribe-shard.sh corpus/ out/"
#   Kubernetes indexed:   JOB_COMPLETION_INDEX is set; set SHARD_COUNT to the job's completions
#   GNU parallel on hosts: parallel --sshloginfile hosts --workdir . \
#                            SHARD_INDEX={} SHARD_COUNT=8 bash scripts/transcribe-shard.sh corpus/ out/ ::: {0..7}
# Then: bash scripts/merge-shards.sh out/ > all.jsonl (the files in input order).
# INPUT may be "--manifest FILE"; every machine must see the same INPUT, model and OUTDIR
# (a shared file system), or copy OUTDIR/shard-*.jsonl together before merging.
set -euo pipefail
if [ $# -lt 2 ]; then sed -n 2,13p "$0" >&2; exit 2; fi
input=$1 outdir=$2; shift 2
index=${SHARD_INDEX:-${SLURM_ARRAY_TASK_ID:-${JOB_COMPLETION_INDEX:-}}}
count=${SHARD_COUNT:-${SLURM_ARRAY_TASK_COUNT:-}}
if [ -z "$index" ] || [ -z "$count" ]; then
  echo "error: no shard given: set SHARD_INDEX and SHARD_COUNT, or run as a Slurm array task" >&2
  exit 2
fi
mkdir -p "$outdir"
asr=${ASR:-$(cd "$(dirname "$0")/.." && pwd)/.build/release/asr}
[ -x "$asr" ] || (cd "$(dirname "$0")/.." && swift build -c release --product asr >&2)
# Exit status 0: every file transcribed; 3: finished, some files failed (their lines say why).
# Either way the shard is complete, which merge-shards.sh learns from shard-I-of-N.done.
status=0
# shellcheck disable=SC2086 # INPUT may be "--manifest FILE"
"$asr" transcribe $input --shard "$index/$count" --output "$outdir/shard-$index-of-$count.jsonl" \
  --resume --format jsonl --quiet "$@" || status=$?
if [ "$status" -eq 0 ] || [ "$status" -eq 3 ]; then touch "$outdir/shard-$index-of-$count.done"; fi
exit "$status"
