#!/usr/bin/env python3
"""How well `analyze` reads which side a sound came from (`arrival`) on two-microphone
recordings, as recorded and after the lossy codecs clips are shared through.

Each scene is 60 s of two channels from two microphones 10-20 cm apart in a diffuse background
(pink noise arriving from 16 directions at once), with twelve modelled gunshots
(make-synthetic-scenes.py's model, without its crack, its echoes and its reverberant tail) 4-5 s
apart, each from its own direction and 0-20 dB over the background (its first 100 ms against
the background's, as the devset counts it). What a room or a street adds comes from elsewhere:
one to three reflections 3-40 ms after the sound, 6-14 dB down, each from a direction of its
own, and a diffuse reverberant tail (independent noise in each channel, rising over 10 ms and
dying away over an RT60 of 0.3-1.5 s, its RMS 20-35 dB below the shot's peak). A third of the shots are followed 80-400 ms later by a façade echo from
another direction (its delay differing by 0.3 or more of the spacing's), 3-8 dB down. The truth is written beside each scene.

Usage:
    python3 scripts/arrival-check.py OUT N [SEED]     (N scenes, each also encoded in the codecs)
    then: earwitness analyze OUT/CODEC/NAME.EXT -o OUT/CODEC/NAME --formats json (each)
          python3 scripts/arrival-check.py --score OUT
"""

import glob
import json
import os
import runpy
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import soundfile as sf

HERE = os.path.dirname(os.path.abspath(__file__))
SR = 48_000
C = 343.0

CODECS = {
    "wav": None,
    "aac128": (["-c:a", "aac", "-b:a", "128k"], "m4a"),
    "aac64": (["-c:a", "aac", "-b:a", "64k"], "m4a"),
    "aac32": (["-c:a", "aac", "-b:a", "32k"], "m4a"),
    "mp3_128": (["-c:a", "libmp3lame", "-b:a", "128k"], "mp3"),
    "opus64": (["-c:a", "libopus", "-b:a", "64k"], "opus"),
    "opus32": (["-c:a", "libopus", "-b:a", "32k"], "opus"),
    "vorbis_q3": (["-c:a", "libvorbis", "-q:a", "3"], "ogg"),
}


# The shot model (its functions, without running its main).
scenes = SimpleNamespace(**runpy.run_path(os.path.join(HERE, "make-synthetic-scenes.py")))


def shifted(x, tau, n):
    """`x` delayed by `tau` seconds (fractional, by the FFT's phase), `n` samples long."""
    m = 1 << int(np.ceil(np.log2(max(len(x), n) + SR // 50)))
    f = np.fft.rfftfreq(m, 1 / SR)
    return np.fft.irfft(np.fft.rfft(x, m) * np.exp(-2j * np.pi * f * tau), m)[:n]


def pair(x, d, azimuth, n):
    """`x` as two microphones `d` m apart hear it from `azimuth` (rad, 0 ahead, positive
    towards channel 1's side): channel 2 later by d sin(azimuth) / c."""
    tau = d * np.sin(azimuth) / C
    return shifted(x, -tau / 2, n), shifted(x, tau / 2, n), tau


def diffuse(rng, n, d, k=16):
    a, b = np.zeros(n), np.zeros(n)
    for _ in range(k):
        w = np.fft.rfft(rng.standard_normal(n))
        w[1:] /= np.sqrt(np.arange(1, len(w)))
        w[0] = 0
        x = np.fft.irfft(w, n)
        u, v, _ = pair(x, d, rng.uniform(-np.pi / 2, np.pi / 2), n)
        a += u
        b += v
    s = np.sqrt(np.mean(a ** 2))
    return a / s, b / s


def scene(rng):
    n = 60 * SR
    d = rng.uniform(0.10, 0.20)
    left, right = diffuse(rng, n, d)
    truth = []
    t = 1.0
    while t < 57.0:
        prm = scenes.gunshot_params(rng)
        prm.update(crack=False, echoes=[], tail_level=0.0)
        s = scenes.gunshot(rng, SR, prm)
        s = s / np.max(np.abs(s))
        m = int(1.5 * SR)
        s = np.pad(s, (0, max(0, m - len(s))))[:m]
        az = rng.uniform(-np.pi / 2, np.pi / 2)
        a, b, tau = pair(s, d, az, m)
        # Reflections from elsewhere, and a diffuse tail.
        for _ in range(int(rng.integers(1, 4))):
            delay, g = rng.uniform(0.003, 0.04), 10 ** (-rng.uniform(6, 14) / 20)
            u, v, _ = pair(s, d, rng.uniform(-np.pi / 2, np.pi / 2), m)
            k = int(delay * SR)
            a[k:] += g * u[: m - k]
            b[k:] += g * v[: m - k]
        rt60 = rng.uniform(0.3, 1.5)
        t_s = np.arange(m) / SR
        env = np.exp(-6.9 * t_s / rt60) * (1 - np.exp(-t_s / 0.01))
        tail = 10 ** (-rng.uniform(20, 35) / 20)
        for ch in (a, b):
            w = scenes.lowpass(rng.standard_normal(m), prm["air_lp_hz"], SR, 2)
            ch += tail * env * w / np.sqrt(np.mean(w ** 2))
        on = int(np.argmax(np.abs(s) >= 0.1))
        start = int(t * SR)
        o = start + on
        ebr = rng.uniform(0, 20)
        body = slice(on, on + SR // 10)
        bed = np.sum(left[o: o + SR // 10] ** 2)
        g = np.sqrt(bed / (0.5 * np.sum(a[body] ** 2) + 0.5 * np.sum(b[body] ** 2)) * 10 ** (ebr / 10))
        left[start: start + m] += g * a
        right[start: start + m] += g * b
        truth.append({"onset_s": o / SR, "lag_ms": tau * 1e3, "ebr_db": ebr, "echo": False})
        if rng.uniform() < 1 / 3:
            delay = rng.uniform(0.08, 0.4)
            ga = g * 10 ** (-rng.uniform(3, 8) / 20)
            az2 = az
            while abs(np.sin(az2) - np.sin(az)) < 0.3:
                az2 = rng.uniform(-np.pi / 2, np.pi / 2)
            u, v, tau2 = pair(scenes.lowpass(s, 6000, SR, 2), d, az2, m)
            k = start + int(delay * SR)
            left[k: k + m] += ga * u[: max(0, min(m, n - k))]
            right[k: k + m] += ga * v[: max(0, min(m, n - k))]
            truth.append({"onset_s": (k + on) / SR, "lag_ms": tau2 * 1e3, "echo": True,
                          "of_s": o / SR})
        t += rng.uniform(4.0, 5.0)
    y = np.stack([left, right], 1)
    return 0.5 * y / np.max(np.abs(y)), {"spacing_m": d, "sounds": truth}


def make(out, count, seed):
    rng = np.random.default_rng(seed)
    for codec, how in CODECS.items():
        os.makedirs(os.path.join(out, codec), exist_ok=True)
    for i in range(count):
        y, meta = scene(rng)
        name = f"scene_{i:03d}"
        wav = os.path.join(out, "wav", name + ".wav")
        sf.write(wav, y.astype(np.float32), SR, subtype="FLOAT")
        json.dump(meta, open(os.path.join(out, name + ".json"), "w"))
        for codec, how in CODECS.items():
            if how is None:
                continue
            args, ext = how
            subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", wav] + args
                           + [os.path.join(out, codec, f"{name}.{ext}")], check=True)


def score(out):
    print("codec      shots  found  measured  clear  within 0.03 ms  within 0.1 ms  side right"
          "   echoes doubted  said from another direction")
    for codec in CODECS:
        k = dict(shots=0, found=0, measured=0, clear=0, e30=0, e100=0, side=0, sided=0,
                 echoes=0, other=0)
        for meta_path in sorted(glob.glob(os.path.join(out, "scene_*.json"))):
            meta = json.load(open(meta_path))
            name = os.path.basename(meta_path)[:-5]
            report = os.path.join(out, codec, name, "events.json")
            if not os.path.exists(report):
                continue
            events = json.load(open(report))["events"]
            for s in meta["sounds"]:
                near = [e for e in events if abs(e["onset_s"] - s["onset_s"]) <= 0.05]
                if s["echo"]:
                    for e in near:
                        if "possible_echo" in e:
                            k["echoes"] += 1
                            k["other"] += "from another direction" in e["reasons"][0]
                    continue
                k["shots"] += 1
                if not near:
                    continue
                k["found"] += 1
                a = near[0].get("arrival")
                if a is None:
                    continue
                k["measured"] += 1
                if not a["clear"]:
                    continue
                k["clear"] += 1
                err = abs(a["lag_ms"] - s["lag_ms"])
                k["e30"] += err <= 0.03
                k["e100"] += err <= 0.1
                if abs(s["lag_ms"]) > 0.05:
                    k["sided"] += 1
                    k["side"] += np.sign(a["lag_ms"]) == np.sign(s["lag_ms"])
        pct = lambda a, b: f"{100 * a / b:5.1f} %" if b else "    -  "
        print(f"{codec:10s} {k['shots']:5d} {k['found']:6d} {k['measured']:9d} {k['clear']:6d}"
              f"  {pct(k['e30'], k['clear']):>14s}  {pct(k['e100'], k['clear']):>12s}"
              f"  {pct(k['side'], k['sided']):>10s}   {k['echoes']:14d}  {k['other']:10d}")


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "--score":
        score(sys.argv[2])
        return
    make(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 1)


if __name__ == "__main__":
    main()
