#!/usr/bin/env python3
"""Builds the bundled demo clip samples/demo.mp4 and its labels and subtitles.

The scene follows the case that started earwitness: outdoor background noise, a man
shouting an order in Russian ("Встать!", "Get up!"), a gunshot-like bang shortly after it,
and look-alike impulsive sounds (a door slam, two hand claps). The picture is ffmpeg's test
pattern. Every sound is synthesised here (the voice by espeak-ng), with a fixed random seed,
so the clip and its labels are reproducible.

Writes: samples/demo.mp4 (H.264 + AAC), samples/demo.srt (English translation),
samples/demo.labels.json (true event times, devset label format).
Needs: python3 (standard library only), espeak-ng, ffmpeg.
Run:   python3 scripts/make-demo.py
"""

import json
import math
import os
import random
import struct
import subprocess
import tempfile
import wave

SR = 48_000
DURATION_S = 9.0
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "samples")

rng = random.Random(20261125)


def onepole_lowpass(x, fc):
    a = math.exp(-2 * math.pi * fc / SR)
    y, s = [], 0.0
    for v in x:
        s = (1 - a) * v + a * s
        y.append(s)
    return y


def pink_noise(n):
    # Paul Kellet's economy pink filter on white noise.
    b0 = b1 = b2 = 0.0
    out = []
    for _ in range(n):
        w = rng.uniform(-1, 1)
        b0 = 0.99765 * b0 + w * 0.0990460
        b1 = 0.96300 * b1 + w * 0.2965164
        b2 = 0.57000 * b2 + w * 1.0526913
        out.append((b0 + b1 + b2 + w * 0.1848) * 0.05)
    return out


def gunshot():
    """A shot heard from about 100 m: Friedlander muzzle blast (1 ms rise), ground
    reflection, a reverberant noise tail (tau 250 ms), an echo from a wall 5 m away (30 ms), and the low-pass of
    air absorption and ground effect over about 100 m (one pole at 2 kHz)."""
    n = int(0.9 * SR)
    x = [0.0] * n
    rise = int(0.001 * SR)
    t_plus = 0.004  # positive-phase duration
    for i in range(n):
        t = i / SR
        if i < rise:
            v = i / rise
        else:
            tt = t - rise / SR
            v = (1 - tt / t_plus) * math.exp(-tt / t_plus) if tt < 0.05 else 0.0
        x[i] += v
    # Broadband crack content riding on the blast, and a reverberant tail.
    for i in range(rise, n):
        t = (i - rise) / SR
        x[i] += rng.uniform(-1, 1) * (0.6 * math.exp(-t / 0.004) + 0.3 * math.exp(-t / 0.25))
    refl = int(0.007 * SR)
    for i in range(n - 1, refl, -1):
        x[i] += 0.45 * x[i - refl]
    echo = int(0.03 * SR)
    for i in range(n - 1, echo, -1):
        x[i] += 0.3 * x[i - echo]
    x = onepole_lowpass(x, 2000)
    return normalise(x, 0.95)


def door_slam():
    """Low thud (damped 70 Hz + 140 Hz) with a 6 ms rise and some rattle."""
    n = int(0.4 * SR)
    x = []
    for i in range(n):
        t = i / SR
        env = (1 - math.exp(-t / 0.006)) * math.exp(-t / 0.06)
        v = env * (math.sin(2 * math.pi * 70 * t) + 0.5 * math.sin(2 * math.pi * 140 * t))
        v += 0.08 * env * rng.uniform(-1, 1)
        x.append(v)
    return normalise(onepole_lowpass(x, 1500), 0.5)


def clap():
    """A hand clap: a 10 ms burst of noise band-limited around 1-2 kHz."""
    n = int(0.08 * SR)
    w = [rng.uniform(-1, 1) * math.exp(-(i / SR) / 0.008) for i in range(n)]
    lp = onepole_lowpass(w, 2500)
    hp = [a - b for a, b in zip(lp, onepole_lowpass(lp, 800))]
    return normalise(hp, 0.35)


def normalise(x, peak):
    m = max(abs(v) for v in x) or 1.0
    return [v * peak / m for v in x]


def onset_index(x):
    """The devset's onset: the first sample whose |x| reaches 10 % of the sound's peak."""
    peak = max(abs(v) for v in x)
    return next(i for i, v in enumerate(x) if abs(v) >= 0.1 * peak)


def speech(text, voice, gain):
    with tempfile.TemporaryDirectory() as d:
        raw, res = os.path.join(d, "raw.wav"), os.path.join(d, "res.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-a", "200", "-w", raw, text], check=True)
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", raw, "-ar", str(SR), "-ac", "1", res], check=True)
        with wave.open(res) as w:
            data = w.readframes(w.getnframes())
    x = [s / 32768.0 for s in struct.unpack("<%dh" % (len(data) // 2), data)]
    return normalise(x, gain)


def speech_span(x, at_s):
    """First and last 10 ms frame within 35 dB of the loudest frame (the devset's rule)."""
    hop = SR // 100
    frames = [max(abs(v) for v in x[i:i + hop]) for i in range(0, len(x) - hop, hop)]
    top = max(frames)
    live = [i for i, f in enumerate(frames) if f > 0 and 20 * math.log10(f / top) > -35]
    return at_s + live[0] * hop / SR, at_s + (live[-1] + 1) * hop / SR


def main():
    n = int(DURATION_S * SR)
    mix = [0.0] * n
    bed = pink_noise(n)
    rumble = onepole_lowpass([rng.uniform(-1, 1) for _ in range(n)], 120)
    for i in range(n):
        mix[i] = 0.25 * bed[i] + 0.2 * rumble[i]

    def place(sound, at_s):
        start = int(round(at_s * SR))
        for i, v in enumerate(sound):
            if start + i < n:
                mix[start + i] += v
        return start

    events, cues = [], []
    order = speech("Встать!", "ru+m3", 0.6)
    o_start, o_end = speech_span(order, 2.0)
    place(order, 2.0)
    cues.append((o_start, o_end, "Get up!", "Встать!"))

    question = speech("Почему ты боишься?", "ru+m3", 0.45)
    q_start, q_end = speech_span(question, 5.2)
    place(question, 5.2)
    cues.append((q_start, q_end, "Why are you afraid?", "Почему ты боишься?"))

    for name, cls, sound, at in [
        ("door slam", "impulsive_other", door_slam(), 0.9),
        ("gunshot-like bang", "gunshot", gunshot(), o_end + 0.42),
        ("hand clap", "impulsive_other", clap(), 7.3),
        ("hand clap", "impulsive_other", clap(), 7.75),
    ]:
        start = place(sound, at)
        events.append({"onset_s": round((start + onset_index(sound)) / SR, 6), "class": cls, "source_kind": name})

    peak = max(abs(v) for v in mix)
    scale = 0.98 / peak if peak > 0.98 else 1.0
    with tempfile.TemporaryDirectory() as d:
        wav = os.path.join(d, "demo.wav")
        with wave.open(wav, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(SR)
            w.writeframes(b"".join(struct.pack("<h", int(v * scale * 32767)) for v in mix))
        subprocess.run([
            "ffmpeg", "-v", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size=320x180:rate=25:duration={DURATION_S}",
            "-i", wav,
            "-c:v", "libx264", "-preset", "veryslow", "-crf", "32", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "96k",
            "-metadata", "title=earwitness demo: order, shot, look-alikes",
            "-metadata", "comment=synthetic; generated by scripts/make-demo.py",
            "-movflags", "+faststart",
            os.path.join(OUT, "demo.mp4"),
        ], check=True)

    def ts(t):
        ms = int(round(t * 1000))
        return "%02d:%02d:%02d,%03d" % (ms // 3_600_000, ms // 60_000 % 60, ms // 1000 % 60, ms % 1000)

    with open(os.path.join(OUT, "demo.srt"), "w", encoding="utf-8") as f:
        for i, (a, b, en, _ru) in enumerate(cues, 1):
            f.write(f"{i}\n{ts(a)} --> {ts(b)}\n{en}\n\n")
    labels = {
        "clip": "demo",
        "file": "demo.mp4",
        "duration_s": DURATION_S,
        "sample_rate": SR,
        "channels": 1,
        "has_video": True,
        "n_gunshots": sum(e["class"] == "gunshot" for e in events),
        "events": sorted(events, key=lambda e: e["onset_s"]),
        "speech": [
            {"start_s": round(a, 3), "end_s": round(b, 3), "text": ru, "text_en": en, "lang": "ru"}
            for a, b, en, ru in cues
        ],
        "srt": "demo.srt",
        "note": "onset_s: first sample whose |x| reaches 10 % of the sound's peak, as placed in the mix",
    }
    with open(os.path.join(OUT, "demo.labels.json"), "w", encoding="utf-8") as f:
        json.dump(labels, f, ensure_ascii=False, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
