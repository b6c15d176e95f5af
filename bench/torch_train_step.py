#!/usr/bin/env python3
"""One training step of the digits model in PyTorch (CPU): forward, CTC, backward, Adam.

The model of ../shared/peers/torch_ctc.py: 39-dim input -> 2-layer bidirectional GRU or LSTM,
128 per direction -> Linear to 29 symbols -> log_softmax -> CTC (mean), Adam 1e-3. The batch is
synthetic, the same one asr-bench builds: 32 utterances, lengths from 100 frames down
(--ragged, the default: 100, 98, ..., 38) or all 100 (--equal), random features, targets of 3-8
letters. Modes as in torch_ctc.py:
  packed: pack_padded_sequence (PyTorch's exact semantics for ragged batches)
  padded: the zero-padded batch fed straight to the RNN (its fastest CPU path, oneDNN; padding
          then enters the reverse direction of the shorter utterances)
Prints one JSON line with the median milliseconds per step and the peak RSS.

  /tmp/venv/bin/python bench/torch_train_step.py --cell gru --mode packed --threads 1
"""
import argparse
import json
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def batch(ragged, seed=0):
    g = torch.Generator().manual_seed(seed)
    B, T, D = 32, 100, 39
    lengths = [T - 2 * b for b in range(B)] if ragged else [T] * B
    x = torch.randn(T, B, D, generator=g)
    for b, n in enumerate(lengths):
        x[n:, b] = 0
    tlen = [3 + (b * 7) % 6 for b in range(B)]
    targets = torch.randint(1, 29, (sum(tlen),), generator=g)
    return x, torch.tensor(lengths), targets, torch.tensor(tlen)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cell", default="gru", choices=["gru", "lstm"])
    ap.add_argument("--mode", default="packed", choices=["packed", "padded"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--equal", action="store_true", help="all utterances 100 frames")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rnn = (nn.GRU if args.cell == "gru" else nn.LSTM)(39, 128, num_layers=2, bidirectional=True)
    fc = nn.Linear(256, 29)
    params = list(rnn.parameters()) + list(fc.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)
    x, lengths, targets, tlen = batch(not args.equal)

    def step():
        opt.zero_grad()
        if args.mode == "packed":
            packed = nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=True)
            out, _ = rnn(packed)
            out, _ = nn.utils.rnn.pad_packed_sequence(out, total_length=x.shape[0])
        else:
            out, _ = rnn(x)
        lp = F.log_softmax(fc(out), dim=-1)
        loss = F.ctc_loss(lp, targets, lengths, tlen, blank=0, reduction="mean", zero_infinity=True)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(3):
        step()
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"impl": "pytorch", "cell": args.cell, "mode": args.mode, "threads": args.threads,
                      "ragged": not args.equal, "median_ms": round(statistics.median(times), 2),
                      "min_ms": round(min(times), 2), "steps": args.steps,
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
