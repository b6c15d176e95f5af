#!/usr/bin/env python3
"""Compares `asr features` with torchaudio's Kaldi MFCC and fbank on real FSDD recordings.

FSDD stays outside the repository, so this is a script, not a test: it picks N recordings
(spread over speakers and digits), runs the asr binary on them, computes torchaudio's features
of the same files, and prints the largest errors per configuration:
  * before CMVN: max |asr - ref| / max(|ref|, 1)            (issue bar: 1e-2)
  * after per-utterance CMVN (with deltas): max |asr - ref|  (issue bar: 1e-3)
against torchaudio in float64 and, for information, in float32 (the dtype most scripts use).

  swift build -c release && /tmp/venv/bin/python scripts/compare_fsdd_features.py --count 30
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile

import numpy as np
import soundfile as sf
import torch
import torchaudio.compliance.kaldi as kaldi

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures"))
from make_feature_fixtures import cmvn, kaldi_deltas  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

CONFIGS = {
    "mfcc": (["--type", "mfcc"], lambda x, sr: kaldi.mfcc(x, sample_frequency=sr, dither=0.0, energy_floor=0.0)),
    "fbank40": (["--type", "fbank", "--mel-bins", "40"],
                lambda x, sr: kaldi.fbank(x, sample_frequency=sr, dither=0.0, energy_floor=0.0, num_mel_bins=40)),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=None, help="FSDD recordings folder")
    ap.add_argument("--count", type=int, default=30)
    ap.add_argument("--asr", default=os.path.join(ROOT, ".build", "release", "asr"))
    args = ap.parse_args()
    data = args.data or os.path.join(subprocess.check_output(["bash", os.path.join(ROOT, "scripts", "fsdd.sh")],
                                                             text=True).strip(), "recordings")
    files = sorted(glob.glob(os.path.join(data, "*.wav")))
    files = files[:: max(1, len(files) // args.count)][: args.count]
    print(f"{len(files)} FSDD files, e.g. {os.path.basename(files[0])} ... {os.path.basename(files[-1])}")
    for name, (flags, ref_fn) in CONFIGS.items():
        with tempfile.TemporaryDirectory() as out_raw, tempfile.TemporaryDirectory() as out_norm:
            subprocess.run([args.asr, "features", *files, *flags, "--output", out_raw, "--quiet"], check=True,
                           stdout=subprocess.DEVNULL)
            subprocess.run([args.asr, "features", *files, *flags, "--deltas", "--cmvn", "utterance", "--output",
                            out_norm, "--quiet"], check=True, stdout=subprocess.DEVNULL)
            worst = {"f64_rel": 0.0, "f64_cmvn_abs": 0.0, "f32_rel": 0.0, "f32_cmvn_abs": 0.0}
            for path in files:
                base = os.path.splitext(os.path.basename(path))[0]
                ours = np.load(os.path.join(out_raw, base + ".npy"))
                ours_norm = np.load(os.path.join(out_norm, base + ".npy"))
                x16, sr = sf.read(path, dtype="int16")
                for dtype, tag in ((np.float64, "f64"), (np.float32, "f32")):
                    ref = ref_fn(torch.from_numpy(x16.astype(dtype)).unsqueeze(0), sr).numpy()
                    assert ref.shape == ours.shape, (path, ref.shape, ours.shape)
                    rel = np.max(np.abs(ours - ref) / np.maximum(np.abs(ref), 1))
                    ref_norm = cmvn(kaldi_deltas(ref.astype(np.float32)), norm_vars=False)
                    cabs = np.max(np.abs(ours_norm - ref_norm))
                    worst[tag + "_rel"] = max(worst[tag + "_rel"], float(rel))
                    worst[tag + "_cmvn_abs"] = max(worst[tag + "_cmvn_abs"], float(cabs))
            ok = worst["f64_rel"] < 1e-2 and worst["f64_cmvn_abs"] < 1e-3
            print(f"{name:8s} vs torchaudio float64: max rel error {worst['f64_rel']:.2e} before CMVN, "
                  f"max abs error {worst['f64_cmvn_abs']:.2e} after deltas+CMVN  [{'ok' if ok else 'FAIL'}]")
            print(f"{'':8s} vs torchaudio float32: max rel error {worst['f32_rel']:.2e} before CMVN, "
                  f"max abs error {worst['f32_cmvn_abs']:.2e} after deltas+CMVN")
            if not ok:
                sys.exit(1)


if __name__ == "__main__":
    main()
