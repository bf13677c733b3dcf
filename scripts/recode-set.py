#!/usr/bin/env python3
"""A labelled set put through the devset's recorder effects and codecs: a copy of a set made by
make-freedoom-scenes.py or make-openarena-scenes.py (16-bit WAV, no effect), or of any set in the
devset's layout, as a phone or a messenger would have passed it on.

The recorded game sounds of the Freedoom and OpenArena sets reach the devset only through its
effects and codecs (dev_000's machine gun in MP4 after clipping and AGC, dev_008's shotgun and
pistol in MP3 after AGC, dev_010's machine gun in the telephone band), while the check sets hold
them in WAV alone. Each clip here draws its effects and its codec with the shares and the
code of make-synthetic-scenes.py (none about half the time, hard clipping, AGC, both, the
300-3,400 Hz telephone band at 8 kHz, an earlier low-bitrate encode; then one of the eight
codecs), is decoded again and cross-correlated with what was encoded, and its labels are moved
by the lag found, so they sit on the decoded timeline. Event-to-background ratios are those of
the source set (measured before the effects, as the devset's are).

Usage:
    python3 scripts/recode-set.py SRC_SET OUT SEED [--effects telephone|clip,agc|none|...]
    DEVSET=OUT scripts/devset-eval.sh /tmp/out

Needs numpy, scipy, soundfile and ffmpeg (libmp3lame, libvorbis, libopus, libx264).
"""
import glob
import importlib.util
import json
import os
import sys
import tempfile

import numpy as np
import soundfile as sf

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("synthetic", os.path.join(HERE, "make-synthetic-scenes.py"))
syn = importlib.util.module_from_spec(spec)
spec.loader.exec_module(syn)


def recode(x, sr, rng, tmp, out_base, forced=None):
    """x (float, mono or stereo at sr) through drawn effects (or the `forced` ones) and a codec,
    with make-synthetic-scenes.py's own recorder; returns the file's path, its sample rate, the
    effects, their parameters, the codec and the decode check."""
    effects = syn.EFFECTS[int(rng.choice(len(syn.EFFECTS), p=[p for _, p in syn.EFFECTS]))][0]
    if forced is not None:
        effects = forced
    codec = str(rng.choice(syn.CODECS))
    out_sr = 8000 if "telephone" in effects else sr
    path, params, lag, corr = syn.recorder(x, sr, out_sr, effects, codec, rng, tmp, out_base)
    return path, out_sr, list(effects), params, codec, lag, corr


def main():
    src, out, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    # --effects clip,agc (or "none"): every clip through those effects instead of drawn ones.
    forced = None
    if "--effects" in sys.argv[4:]:
        given = sys.argv[sys.argv.index("--effects") + 1]
        forced = () if given == "none" else tuple(given.split(","))
    os.makedirs(os.path.join(out, "audio"), exist_ok=True)
    os.makedirs(os.path.join(out, "labels"), exist_ok=True)
    rng = np.random.default_rng(seed)
    for lf in sorted(glob.glob(os.path.join(src, "labels", "*.json"))):
        with open(lf) as f:
            label = json.load(f)
        stem = label["clip"]
        audio = glob.glob(os.path.join(src, "audio", stem + ".*"))[0]
        with tempfile.TemporaryDirectory() as tmp:
            # Decoded with ffmpeg (any of the devset's containers, priming removed as its labels
            # assume), at the file's own rate and channels.
            wav = os.path.join(tmp, "source.wav")
            syn.ffmpeg("-i", audio, "-vn", "-c:a", "pcm_f32le", wav)
            x, sr = sf.read(wav, dtype="float64")
            path, out_sr, effects, params, codec, lag, corr = recode(x, sr, rng, tmp,
                                                                     os.path.join(out, "audio", stem), forced)
        for e in label["events"]:
            e["onset_s"] = round(e["onset_s"] + lag, 6)
            if "end_s" in e:
                e["end_s"] = round(e["end_s"] + lag, 6)
        for s in label.get("speech", []):
            s["start_s"] = round(s["start_s"] + lag, 3)
            s["end_s"] = round(s["end_s"] + lag, 3)
        label.update({"file": os.path.relpath(path, out), "codec": codec, "sample_rate": out_sr,
                      "effects": effects, "effects_params": params, "recoded_from": os.path.basename(src.rstrip("/")),
                      "decode_check": {"lag_ms": round(lag * 1000, 3), "corr": round(corr, 4)}})
        with open(os.path.join(out, "labels", stem + ".json"), "w") as f:
            json.dump(label, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
