#!/usr/bin/env python3
"""Runs generic onset detectors on a labelled set and scores them with the devset's metric,
so the comparison with earwitness can be reproduced by anyone.

Detectors: aubio's `aubio onset` (Debian's aubio-tools; default `hfc` method and also
`specflux`) and librosa's `onset_detect` (PyPI; with `backtrack=False`, its defaults).
Every detection is reported as class "impulsive" (generic onset detectors do not classify).

Usage:
  scripts/compare-baselines.py --audio ../shared/devset/audio --labels ../shared/devset/labels \\
      --out /tmp/baselines
Then each detector's predictions are in OUT/<detector>/ and its score is printed by
score.py (found next to the labels, or given with --score).
Needs: aubio-tools, ffmpeg, python3 with librosa (pip install librosa).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile


def decode_wav(src, dst):
    # The devset timeline is ffmpeg's; decode once to WAV for both tools.
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", src, "-ac", "1", dst], check=True)


def run_aubio(wav, method):
    out = subprocess.run(["aubio", "onset", "-i", wav, "-m", method], capture_output=True, text=True, check=True).stdout
    return [float(t) for t in out.split()]


def run_librosa(wav):
    import librosa
    y, sr = librosa.load(wav, sr=None, mono=True)
    return [float(t) for t in librosa.onset.onset_detect(y=y, sr=sr, units="time")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--audio", required=True)
    ap.add_argument("--labels", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--score", default=None, help="path to score.py (default: next to the labels)")
    args = ap.parse_args()
    score = args.score or os.path.join(os.path.dirname(os.path.abspath(args.labels)), "score.py")
    detectors = {
        "aubio-hfc": lambda w: run_aubio(w, "hfc"),
        "aubio-specflux": lambda w: run_aubio(w, "specflux"),
        "librosa": run_librosa,
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(os.listdir(args.audio)):
            stem = os.path.splitext(name)[0]
            wav = os.path.join(tmp, stem + ".wav")
            decode_wav(os.path.join(args.audio, name), wav)
            for det, fn in detectors.items():
                d = os.path.join(args.out, det)
                os.makedirs(d, exist_ok=True)
                events = [{"onset_s": t, "class": "impulsive"} for t in fn(wav)]
                with open(os.path.join(d, stem + ".json"), "w") as f:
                    json.dump({"events": events}, f)
    for det in detectors:
        print(f"### {det}", flush=True)
        subprocess.run([sys.executable, score, "--pred-dir", os.path.join(args.out, det),
                        "--labels-dir", args.labels], check=True)


if __name__ == "__main__":
    main()
