#!/usr/bin/env python3
"""Shots with discrete building echoes, and what `analyze` reports of them: the direct sounds
found, the echoes reported as sounds of their own, and how many of those say they may be echoes
(`possible_echo`), against the rounds that say so.

Each scene is one sound (a modelled gunshot from make-synthetic-scenes.py's model at its 20-400 m,
a double tap 0.2-0.6 s apart, a burst of 3-6 rounds 80-200 ms apart with the cyclic rate varying
by up to 4 %, a clap or a knock at 2-20 m) with one to three reflections off façades: each a
copy of the sound delayed by an extra path of 15-200 m (c = 343 m/s), weakened by the spreading
over the longer path (distance / (distance + extra)) and a reflection coefficient of 0.5-0.95,
low-passed (second order, 1.5-15 kHz, lower for longer paths) and smeared by a rough façade (two
to six taps over 0.3-3 ms). A background of pink noise lies 25-45 dB below the mix's peak.

Usage:
    python3 scripts/echo-check.py OUT N [SEED]
    then: earwitness analyze OUT/NAME.wav -o OUT/NAME --formats json (each scene)
          python3 scripts/echo-check.py --score OUT
"""

import importlib.util
import json
import os
import sys

import numpy as np
import soundfile as sf

HERE = os.path.dirname(os.path.abspath(__file__))


def script(name, path):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The sounds' models, and the walls scenes' pink noise (unit RMS).
scenes = script("scenes", "make-synthetic-scenes.py")
flutter = script("flutter", "flutter-check.py")
pink = flutter.pink

SR = 48_000
C = 343.0


def scatter(rng, x):
    """A rough façade: the reflection spread over a few taps within 0.3-3 ms."""
    span = rng.uniform(0.0003, 0.003)
    h = np.zeros(int(span * SR) + 2)
    h[0] = 1.0
    for _ in range(int(rng.integers(2, 7)) - 1):
        h[int(rng.uniform(0, span) * SR)] += rng.uniform(0.2, 0.8)
    h /= np.sqrt(np.sum(h ** 2))
    return np.convolve(x, h)[: len(x)]


def scene(rng):
    kind = str(rng.choice(["single", "double", "burst", "clap", "knock"], p=[0.35, 0.15, 0.25, 0.15, 0.1]))
    if kind == "clap":
        prm = {"sub_bursts": int(rng.integers(1, 4)), "f0_hz": rng.uniform(800, 2400),
               "q": rng.uniform(2, 6), "room_rt60_s": rng.uniform(0.1, 0.3)}
        s, dist = scenes.clap(rng, SR, prm), rng.uniform(2, 20)
    elif kind == "knock":
        s, dist = scenes.knock(rng, SR, scenes.knock_params(rng)), rng.uniform(2, 20)
    else:
        prm = scenes.gunshot_params(rng)
        prm["echoes"] = []  # the façades make the echoes here
        s, dist = scenes.gunshot(rng, SR, prm), prm["distance_m"]
    s = s / np.max(np.abs(s))
    times = [0.0]
    if kind == "double":
        times = [0.0, rng.uniform(0.2, 0.6)]
    elif kind == "burst":
        period = rng.uniform(0.08, 0.2)
        for _ in range(int(rng.integers(2, 6))):
            times.append(times[-1] + period * (1 + rng.uniform(-0.04, 0.04)))
    echoes = []
    for _ in range(int(rng.integers(1, 4))):
        extra, r = rng.uniform(15, 200), rng.uniform(0.5, 0.95)
        lp = float(np.clip(rng.uniform(3000, 9000) * (100 / extra) ** 0.3, 1500, 15000))
        echoes.append((extra / C, r * dist / (dist + extra), lp))
    n = int(4.0 * SR)
    y = np.zeros(n)
    start = int(0.8 * SR)
    for delay, g, lp in [(0.0, 1.0, None)] + echoes:
        ret = s if lp is None else scatter(rng, scenes.lowpass(s, lp, SR, 2))
        for t in times:
            k = start + int(round((t + delay) * SR))
            m = min(len(ret), n - k)
            if m > 0:
                y[k: k + m] += g * ret[:m]
    bed_db = rng.uniform(25, 45)
    y = 0.5 * y / np.max(np.abs(y)) + 0.5 * 10 ** (-bed_db / 20) * pink(rng, n) * 0.25
    on = int(np.argmax(np.abs(s) >= 0.1))
    onsets = [(start + int(round(t * SR)) + on) / SR for t in times]
    return y.astype(np.float32), {
        "kind": kind, "onsets_s": onsets, "distance_m": dist, "bed_db": bed_db,
        "echoes": [{"delay_s": d, "gain_db": 20 * np.log10(g), "lowpass_hz": lp} for d, g, lp in echoes]}


def score(out):
    tally = {}
    for meta, events in flutter.reports(out):
        direct = meta["onsets_s"]
        k = tally.setdefault(meta["kind"], [0, 0, 0, 0, 0, 0, 0])
        k[0] += 1
        k[1] += len(direct)
        k[2] += sum(any(abs(e["onset_s"] - t) <= 0.05 for e in events) for t in direct)
        for e in events:
            doubted = "possible_echo" in e
            if any(abs(e["onset_s"] - t) <= 0.05 for t in direct):
                k[3] += doubted and abs(e["onset_s"] - direct[0]) > 0.05
            else:
                k[4] += 1
                k[5] += e["class"] == "gunshot"
                k[6] += doubted
    print("kind     scenes  sounds  found  doubted  other events  gunshot-like  doubted")
    print("                                (direct)                              (other)")
    for kind, (n, sounds, found, dr, other, gun, do) in sorted(tally.items()):
        print(f"{kind:8s} {n:6d} {sounds:7d} {found:6d} {dr:8d} {other:13d} {gun:13d} {do:8d}")


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "--score":
        score(sys.argv[2])
        return
    out, n = sys.argv[1], int(sys.argv[2])
    rng = np.random.default_rng(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    os.makedirs(out, exist_ok=True)
    for i in range(n):
        y, meta = scene(rng)
        sf.write(os.path.join(out, f"scene_{i:03d}.wav"), y, SR, subtype="FLOAT")
        json.dump(meta, open(os.path.join(out, f"scene_{i:03d}.json"), "w"))


if __name__ == "__main__":
    main()
