#!/usr/bin/env python3
"""Latency and CPU of a live stream: `asr transcribe --stream -` fed in real time.

Joins FSDD test recordings (one speaker, takes 0-4) with GAP seconds of quiet noise between
them, writes them to asr's standard input as 16-bit PCM in 20 ms chunks paced at real time,
and timestamps every JSON line asr prints. For each final result: the latency from the end of
the audio of the word it ends with (when that audio was written) to the line's arrival; for
each word, from the end of its audio to the first line (partial or final) that holds it
(negative: it showed while still being spoken). CPU: the child's user +
system time over the wall time of the stream.

    python3 bench/stream_latency.py MODEL [--words 20] [--gap 1.5] [--asr .build/release/asr]
"""
import argparse, json, os, random, statistics, struct, subprocess, sys, threading, time, wave

p = argparse.ArgumentParser()
p.add_argument("model")
p.add_argument("--asr", default=".build/release/asr")
p.add_argument("--fsdd", default=os.environ.get("FSDD_DIR", "../shared/data/fsdd"))
p.add_argument("--speaker", default="jackson")
p.add_argument("--words", type=int, default=20)
p.add_argument("--gap", type=float, default=1.5)
a = p.parse_args()

rate, chunk = 8000, 160
random.seed(1)
names = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
samples, spans = [], []
def noise(n): return [int(random.gauss(0, 20)) for _ in range(n)]   # about -64 dBFS
samples += noise(int(rate * a.gap))
for k in range(a.words):
    digit, take = k % 10, (k // 10) % 5
    with wave.open(f"{a.fsdd}/recordings/{digit}_{a.speaker}_{take}.wav") as w:
        assert w.getframerate() == rate and w.getsampwidth() == 2 and w.getnchannels() == 1
        x = struct.unpack(f"<{w.getnframes()}h", w.readframes(w.getnframes()))
    spans.append((names[digit], len(samples) / rate, (len(samples) + len(x)) / rate))
    samples += list(x) + noise(int(rate * a.gap))
pcm = struct.pack(f"<{len(samples)}h", *samples)

child = subprocess.Popen([a.asr, "transcribe", "--stream", "-", "--rate", str(rate), "--model", a.model],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
lines = []
def read():
    for line in child.stdout:
        lines.append((time.monotonic(), json.loads(line)))
reader = threading.Thread(target=read)
reader.start()
start = time.monotonic()
for i in range(0, len(pcm), 2 * chunk):
    due = start + i / 2 / rate
    delay = due - time.monotonic()
    if delay > 0: time.sleep(delay)
    child.stdin.write(pcm[i:i + 2 * chunk]); child.stdin.flush()
written = time.monotonic()
child.stdin.close()
_, status, usage = os.wait4(child.pid, 0)
reader.join()
wall = time.monotonic() - start
audio = len(samples) / rate

finals = [(t, l) for t, l in lines if l["type"] == "final"]
final_latency, first_partial = [], []
hyp_words = []
for t, l in finals:
    if not l["words"]: continue
    hyp_words += [w["word"] for w in l["words"]]
    # The spoken word its last word lies in (or nearest to): the end of that word's audio.
    last = l["words"][-1]
    _, _, end = min(spans, key=lambda sp: abs((sp[1] + sp[2]) / 2 - (last["start"] + last["end"]) / 2))
    final_latency.append(t - (start + end))
for word, s, e in spans:
    seen = [t for t, l in lines if any(abs(w["start"] - s) < 0.5 and w["end"] <= e + 0.5 for w in l["words"])]
    if seen: first_partial.append(min(seen) - (start + e))
ref = [w for w, _, _ in spans]
print(f"{a.words} words, {a.gap} s pauses, {audio:.1f} s of audio streamed in {wall:.1f} s (20 ms chunks, real time)")
print(f"finals: {len(finals)}; words: reference {len(ref)}, recognized {len(hyp_words)}, "
      f"in order right {sum(h == r for h, r in zip(hyp_words, ref))}")
if final_latency:
    q = statistics.quantiles(final_latency, n=10) if len(final_latency) > 1 else final_latency
    print(f"end of word -> final result: median {statistics.median(final_latency):.3f} s, "
          f"min {min(final_latency):.3f} s, max {max(final_latency):.3f} s")
if first_partial:
    print(f"end of word -> first result holding it (partial or final): median {statistics.median(first_partial):.3f} s, "
          f"max {max(first_partial):.3f} s")
cpu = usage.ru_utime + usage.ru_stime
print(f"CPU: {cpu:.2f} s user+system over {wall:.1f} s = {100 * cpu / wall:.1f}% of one core; "
      f"peak RSS {usage.ru_maxrss / 1024:.0f} MB; exit {status >> 8}")
