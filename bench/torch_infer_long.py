#!/usr/bin/env python3
"""PyTorch reference for long files: a model saved by ../shared/peers/torch_ctc.py --save
transcribes one long WAV the way a PyTorch script would, whole: read (soundfile), 39-dim MFCC +
deltas + CMVN over the file, one forward pass of the bidirectional RNN, greedy decoding.
Prints one JSON line with the wall time (best of --repeats) and the real-time factor.

  python bench/torch_infer_long.py --model gru.pt --audio long10.wav --threads 1
"""
import argparse
import json
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.environ.get("ASR_PEERS", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "peers")))
import torch_ctc as tc  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--audio", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    ck = torch.load(args.model, map_location="cpu")
    cfg = ck["config"]
    model = tc.CTCModel(cfg["cell"], 39, cfg["hidden"], cfg["layers"], len(tc.VOCAB))
    model.load_state_dict(ck["state_dict"])
    model.eval()

    def run():
        wav = tc.read_wav(args.audio)
        feats = tc.features39(wav, cfg["mfcc"])
        logp = model(feats.unsqueeze(1), torch.tensor([feats.shape[0]]), True)
        return wav.numel() / tc.SAMPLE_RATE, tc.greedy_decode(logp, torch.tensor([feats.shape[0]]))[0]

    with torch.inference_mode():
        audio_s, text = run()  # warm-up
        best = 1e9
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - t0)
    print(json.dumps(dict(audio=args.audio, threads=args.threads, audio_s=round(audio_s, 2), wall_s=round(best, 3),
                          x_realtime=round(audio_s / best, 1), words=len(text.split()),
                          peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1))))


if __name__ == "__main__":
    main()
