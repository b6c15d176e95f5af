#!/usr/bin/env bash
# One machine: transcribe a folder (or a manifest, with --manifest FILE as INPUT) to one JSONL
# file, on every core. Run it again after a crash or a kill and it carries on where it stopped
# (--resume skips the files already in OUTPUT).
#   bash scripts/transcribe-batch.sh recordings/ results.jsonl [more asr transcribe options]
#   bash scripts/transcribe-batch.sh "--manifest list.tsv" results.jsonl --model runs/digits/best.safetensors
set -euo pipefail
if [ $# -lt 2 ]; then sed -n 2,7p "$0" >&2; exit 2; fi
input=$1 output=$2; shift 2
asr=${ASR:-$(cd "$(dirname "$0")/.." && pwd)/.build/release/asr}
[ -x "$asr" ] || (cd "$(dirname "$0")/.." && swift build -c release --product asr >&2)
# shellcheck disable=SC2086 # INPUT may be "--manifest FILE"
exec "$asr" transcribe $input --output "$output" --resume --format jsonl "$@"
