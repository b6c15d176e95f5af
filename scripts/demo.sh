#!/usr/bin/env bash
# Fresh machine -> the main job: installs the Debian packages, builds asr (release), finds the
# Free Spoken Digit Dataset (../shared/data/fsdd, $FSDD_DIR, or a clone) and computes
# 39-dim MFCC + deltas + CMVN features of all its recordings, printing a summary.
# (Training and transcription arrive with the neural core and the training pipeline.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh git ca-certificates
swift build -c release --product asr
fsdd=$(bash scripts/fsdd.sh)
asr=.build/release/asr
echo "== A few files:"
$asr features "$fsdd"/recordings/{0_george_0,5_jackson_12,9_theo_49}.wav --sample-rate 8000 --deltas --cmvn utterance
echo "== All of FSDD:"
$asr features "$fsdd"/recordings/*.wav --sample-rate 8000 --deltas --cmvn utterance --quiet
