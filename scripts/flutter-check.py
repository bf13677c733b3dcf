#!/usr/bin/env python3
"""Shots and claps between two parallel walls, and what `analyze` reports of them: how many of
the direct sounds it finds, and how many of their returns it reports as sounds of their own.

Each scene is one sound (a modelled gunshot, a double tap, a burst of 3-6 rounds 80-200 ms apart
with a cyclic rate varying by up to 4 % from round to round, or a clap, from
make-synthetic-scenes.py's models) fired between two hard walls L = 8-30 m apart (a street, a
courtyard), heard by a microphone 0.5-5 m from the source along the walls, both between them.
The walls are a one-dimensional image source model (J. B. Allen and D. A. Berkley, "Image method
for efficiently simulating small-room acoustics", J. Acoust. Soc. Am. 65, 1979): the images of
the source lie at 2nL + x0 and 2nL - x0 across the street, each reached after |2n| or |2n - 1|
bounces; each return is the direct sound delayed by its extra path, weakened by the spreading
(1 / path) and by the walls' pressure reflection coefficient (0.85-0.97 per bounce), and
low-passed a little more at each bounce. A background of pink noise lies 25-45 dB below the
direct sound's peak. Without walls (`--free`), the same sounds alone.

Usage:
    python3 scripts/flutter-check.py OUT N [SEED] [--free]
    then: earwitness analyze OUT/NAME.wav ...; python3 scripts/flutter-check.py --score OUT

Writes OUT/scene_NNN.wav (48 kHz mono float) and OUT/scene_NNN.json (the direct sounds'
onsets, the geometry). `--score OUT` reads OUT/<name>/events.json beside each scene and prints,
per kind of sound, the direct sounds found (an event within 50 ms) and the other events
reported (returns taken for sounds).
"""

import glob
import importlib.util
import json
import os
import sys

import numpy as np
import soundfile as sf

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("scenes", os.path.join(HERE, "make-synthetic-scenes.py"))
scenes = importlib.util.module_from_spec(spec)
spec.loader.exec_module(scenes)

SR = 48_000
C = 343.0


def pink(rng, n):
    w = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(len(w))
    w[1:] /= np.sqrt(f[1:])
    w[0] = 0
    x = np.fft.irfft(w, n)
    return x / np.sqrt(np.mean(x ** 2))


def sound(rng, kind):
    if kind == "clap":
        prm = {"sub_bursts": int(rng.integers(1, 4)), "f0_hz": rng.uniform(800, 2400),
               "q": rng.uniform(2, 6), "room_rt60_s": rng.uniform(0.1, 0.3)}
        return scenes.clap(rng, SR, prm)
    prm = scenes.gunshot_params(rng)
    prm["echoes"] = []  # the walls make the echoes here
    return scenes.gunshot(rng, SR, prm)


def onset(x):
    return int(np.argmax(np.abs(x) >= 0.1 * np.max(np.abs(x))))


def scene(rng, free):
    kind = rng.choice(["single", "double", "burst", "clap"], p=[0.35, 0.15, 0.3, 0.2])
    s = sound(rng, kind)
    s = s / np.max(np.abs(s))
    if kind == "single" or kind == "clap":
        times = [0.0]
    elif kind == "double":
        times = [0.0, rng.uniform(0.2, 0.5)]
    else:
        period = rng.uniform(0.08, 0.2)
        times = [0.0]
        for _ in range(int(rng.integers(2, 6))):
            times.append(times[-1] + period * (1 + rng.uniform(-0.04, 0.04)))
    L = rng.uniform(8, 30)
    x0 = rng.uniform(0.1, 0.9) * L
    d = rng.uniform(0.5, 5.0)
    r = rng.uniform(0.85, 0.97)
    # Images (across-street position, bounces) up to a path 1.5 s long.
    paths = [(0.0, 0)]
    if not free:
        for n in range(-40, 41):
            for pos, bounces in ((2 * n * L + x0, abs(2 * n)), (2 * n * L - x0, abs(2 * n - 1))):
                if bounces:
                    paths.append((pos - x0, bounces))
    direct = d
    n_total = int(3.0 * SR)
    y = np.zeros(n_total)
    start = int(0.8 * SR)
    for across, bounces in paths:
        path = np.hypot(across, d)
        delay = (path - direct) / C
        if delay > 1.5:
            continue
        gain = (r ** bounces) * direct / path
        ret = scenes.lowpass(s, max(2000.0, 16000.0 / (1 + 0.15 * bounces)), SR, 1) if bounces else s
        for t in times:
            k = start + int(round((t + delay) * SR))
            m = min(len(ret), n_total - k)
            if m > 0:
                y[k:k + m] += gain * ret[:m]
    peak = np.max(np.abs(y))
    bed_db = rng.uniform(25, 45)
    y = 0.5 * y / peak + 0.5 * 10 ** (-bed_db / 20) * pink(rng, n_total) * 0.25
    on = onset(s)
    onsets = [(start + int(round(t * SR)) + on) / SR for t in times]
    return y.astype(np.float32), {"kind": str(kind), "onsets_s": onsets, "walls_m": L, "x0_m": x0,
                                   "mic_m": d, "reflection": r, "bed_db": bed_db, "free": free}


def reports(out):
    """Each scene of OUT that has been analysed: (its metadata, its reported events)."""
    for f in sorted(glob.glob(os.path.join(out, "scene_*.json"))):
        ev_path = os.path.join(out, os.path.basename(f)[:-5], "events.json")
        if os.path.exists(ev_path):
            yield json.load(open(f)), json.load(open(ev_path))["events"]


def score(out):
    tally = {}
    for meta, events in reports(out):
        found = sum(any(abs(e["onset_s"] - t) <= 0.05 for e in events) for t in meta["onsets_s"])
        extra = sum(all(abs(e["onset_s"] - t) > 0.05 for t in meta["onsets_s"]) for e in events)
        flutter = sum(any("flutter echoes" in r for r in e["reasons"]) for e in events)
        k = tally.setdefault(meta["kind"], [0, 0, 0, 0, 0])
        k[0] += 1
        k[1] += len(meta["onsets_s"])
        k[2] += found
        k[3] += extra
        k[4] += flutter
    print("kind     scenes  sounds  found  other events  events naming flutter echoes")
    for kind, (n, sounds, found, extra, flutter) in sorted(tally.items()):
        print(f"{kind:8s} {n:6d} {sounds:7d} {found:6d} {extra:13d} {flutter:6d}")


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "--score":
        score(sys.argv[2])
        return
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    free = "--free" in sys.argv
    out, n = args[0], int(args[1])
    seed = int(args[2]) if len(args) > 2 else 1
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        y, meta = scene(rng, free)
        sf.write(os.path.join(out, f"scene_{i:03d}.wav"), y, SR, subtype="FLOAT")
        with open(os.path.join(out, f"scene_{i:03d}.json"), "w") as fh:
            json.dump(meta, fh, indent=1)


if __name__ == "__main__":
    main()
