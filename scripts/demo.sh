#!/usr/bin/env bash
# Fresh machine -> the main job: installs the Debian packages, builds asr (release), finds the
# Free Spoken Digit Dataset (../shared/data/fsdd, $FSDD_DIR, or a clone), trains the digits
# recipe (about 5-6 minutes on 2 cores) and transcribes recordings of the test split with it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh git ca-certificates
swift build -c release --product asr
fsdd=$(bash scripts/fsdd.sh)
asr=.build/release/asr
$asr train recipes/digits.json
echo "== Transcribing recordings of the test split (takes 0-4) with the trained model:"
$asr transcribe "$fsdd"/recordings/{7_theo_0,3_lucas_1,8_nicolas_2,0_george_4}.wav
echo "== With word times and confidences:"
$asr transcribe "$fsdd/recordings/9_yweweler_3.wav" --format json
