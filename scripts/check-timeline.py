#!/usr/bin/env python3
"""Checks earwitness's decoded timeline against ffmpeg's on any set of files.

For each file: decode with `earwitness decode` and with the ffmpeg CLI (the devset's
reference timeline), then report the length difference and the lag between the two, found
by FFT cross-correlation of the mono mixdowns (searching +-100 ms), plus the residual error
after alignment. A lag of 0 samples means sample 0 is the same instant in both.

Usage: scripts/check-timeline.py [--bin target/release/earwitness] [--backend B] FILE...
Needs: python3 with numpy (pip install numpy), ffmpeg.
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

MAX_LAG_S = 0.1


def mono_f32(path):
    """The file's audio as ffmpeg decodes it, mixed to mono, as float32."""
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "f32le", "-ac", "1", "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype="<f4")


def sample_rate(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
                          "stream=sample_rate", "-of", "csv=p=0", path],
                         check=True, capture_output=True, text=True).stdout
    return int(out.split()[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/earwitness")
    ap.add_argument("--backend", default="auto")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    print("| file | frames (ours) | frames (ffmpeg) | lag (samples) | residual (dB rel. signal) |")
    print("|---|---|---|---|---|")
    worst = 0
    with tempfile.TemporaryDirectory() as d:
        for f in args.files:
            ours = os.path.join(d, "ours.wav")
            subprocess.run([args.bin, "decode", "--backend", args.backend, f, "-o", ours],
                           check=True, capture_output=True)
            # Our WAV is float: ffmpeg only copies its samples (and mixes to mono).
            x, sr = mono_f32(ours), sample_rate(ours)
            r = mono_f32(f)
            n = min(len(x), len(r))
            size = 1 << int(np.ceil(np.log2(2 * n)))
            xc = np.fft.irfft(np.fft.rfft(x[:n], size) * np.conj(np.fft.rfft(r[:n], size)), size)
            max_lag = int(MAX_LAG_S * sr)
            lags = np.concatenate([np.arange(0, max_lag + 1), np.arange(-max_lag, 0)])
            vals = np.concatenate([xc[: max_lag + 1], xc[-max_lag:]])
            lag = int(lags[np.argmax(vals)])
            a, b = (x[lag:n], r[: n - lag]) if lag >= 0 else (x[: n + lag], r[-lag:n])
            err = 10 * np.log10(np.sum((a - b) ** 2) / max(np.sum(b ** 2), 1e-20) + 1e-20)
            worst = max(worst, abs(lag))
            print(f"| {os.path.basename(f)} | {len(x)} | {len(r)} | {lag:+d} | {err:.1f} |")
    print(f"\nlargest |lag|: {worst} samples", file=sys.stderr)


if __name__ == "__main__":
    main()
