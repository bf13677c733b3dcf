#!/usr/bin/env python3
"""Damaged copies of one impulse train, and where `earwitness analyze` puts the impulses.

The README's figures for damaged files ("Unfinished, cut and streamed files"): a 10 s, 48 kHz
stereo train of decaying noise bursts 0.37-0.61 s apart in noise is encoded by ffmpeg
into MP3 (CBR 128k, VBR -q:a 2, CBR 96k without a LAME tag), ADTS AAC, Opus and Vorbis in Ogg,
and Opus in WebM and MKA and Vorbis in MKV; each copy is damaged three ways (three stretches
of 100-3,000 bytes overwritten with zeros, or with random bytes, or cut out) plus, for MP3 and
ADTS, one 4,096-byte cut, and a cut with an overwrite; then every file is analysed and each
damaged copy's events are compared with its undamaged file's: how many of the undamaged
file's events are reported within 1 ms, and how many events are more than 50 ms from any of
them (false, or displaced).

Usage: scripts/damage-sweep.py OUT [EARWITNESS]   (needs python3 with numpy, and ffmpeg)
"""
import json
import random
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np

out = Path(sys.argv[1])
binary = sys.argv[2] if len(sys.argv) > 2 else "target/release/earwitness"
out.mkdir(parents=True, exist_ok=True)

rng = np.random.default_rng(5)
sr = 48000
x = rng.normal(0, 0.01, sr * 10)
# Uneven spacing (0.37-0.61 s), so that audio displaced by whole pages or frames does not
# land on another impulse's time.
times = 0.5 + np.cumsum(np.r_[0, rng.uniform(0.37, 0.61, 40)])
for t in times[times < 9.7]:
    i = int(t * sr)
    x[i:i + 300] += 0.8 * np.exp(-np.arange(300) / 40) * np.sign(rng.normal(size=300))
stereo = np.stack([x, 0.7 * x + rng.normal(0, 0.003, len(x))], 1)
with wave.open(str(out / "src.wav"), "wb") as w:
    w.setnchannels(2)
    w.setsampwidth(2)
    w.setframerate(sr)
    w.writeframes((np.clip(stereo, -1, 1) * 32767).astype("<i2").tobytes())

ENCODINGS = {
    "cbr.mp3": ["-c:a", "libmp3lame", "-b:a", "128k"],
    "vbr.mp3": ["-c:a", "libmp3lame", "-q:a", "2"],
    "noxing.mp3": ["-c:a", "libmp3lame", "-b:a", "96k", "-write_xing", "0"],
    "adts.aac": ["-c:a", "aac", "-b:a", "128k", "-f", "adts"],
    "page.opus": ["-c:a", "libopus", "-b:a", "64k"],
    "page.ogg": ["-c:a", "libvorbis", "-q:a", "4"],
    "opus.webm": ["-c:a", "libopus", "-b:a", "64k"],
    "opus.mka": ["-c:a", "libopus", "-b:a", "64k"],
    "vorbis.mkv": ["-c:a", "libvorbis"],
}
for name, args in ENCODINGS.items():
    # Bit-exact: without it, the Matroska muxer writes random UIDs, and the damage falls on
    # other bytes from one run to the next.
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(out / "src.wav"), *args,
                    "-fflags", "+bitexact", "-flags:a", "+bitexact", str(out / name)],
                   check=True)


def damaged(name, kind, seed):
    b = bytearray((out / name).read_bytes())
    r = random.Random(seed)
    if kind in ("cut1", "cutz"):
        o = int(len(b) * 0.41) + 123
        del b[o:o + 4096]
        if kind == "cutz":
            o = int(len(b) * 0.7)
            b[o:o + 1000] = bytes(1000)
    else:
        for frac in (0.23, 0.51, 0.77):
            o = int(len(b) * frac) + r.randrange(400)
            n = r.randrange(100, 3000)
            if kind == "zero":
                b[o:o + n] = bytes(n)
            elif kind == "rand":
                b[o:o + n] = bytes(r.randrange(256) for _ in range(n))
            else:
                del b[o:o + n]
    path = out / f"{kind}_{name}"
    path.write_bytes(b)
    return path


def onsets(path):
    report = out / "reports" / path.name
    subprocess.run([binary, "analyze", str(path), "-o", str(report), "--formats", "json"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return [e["onset_s"] for e in json.loads((report / "events.json").read_text())["events"]]
    except FileNotFoundError:
        return None


print(f"{'copy':24s} {'within 1 ms':>12s} {'> 50 ms off':>12s}")
for k, name in enumerate(ENCODINGS):
    ref = onsets(out / name)
    kinds = ["zero", "rand", "cut"] + (["cut1", "cutz"] if name.endswith((".mp3", ".aac")) else [])
    for kind in kinds:
        got = onsets(damaged(name, kind, 100 * k + len(kind)))
        if got is None or not ref:
            print(f"{kind + '_' + name:24s} {'no report':>12s}")
            continue
        kept = sum(1 for t in ref if got and min(abs(t - g) for g in got) <= 0.001)
        off = sum(1 for g in got if min(abs(t - g) for t in ref) > 0.05)
        print(f"{kind + '_' + name:24s} {kept:>6d} of {len(ref):<3d} {off:>12d}")
