#!/usr/bin/env python3
"""A third labelled set, in the devset's layout: OpenArena's sound effects (GPL; the devset draws
its machine gun, gatling, footsteps and clicks from them, picking some files of each family)
mixed into scenes with bursts, walking and speech.

Like make-freedoom-scenes.py it is for checking, not fitting. Where that set places single sounds
in noise, this one places them as the devset's scenes do: gunshots single, as double taps or in
bursts of 3-8 rounds 80-300 ms apart (machine gun and gatling); footsteps as walks of 2-6 steps
0.45-0.65 s apart, each cut before its toe's hit as the devset's are; and 0-3 utterances per
clip (espeak-ng phrases in English and Russian, or the game's pained and dying voices) that may
cover an event. Each group goes along one path, as
in the devset: a distance low-pass (2.5-12 kHz) in about half of them, and in scenes indoors
(half) a room (RT60 0.2-0.8 s) in about 60 %; at event-to-background ratios of -6 to 20 dB
(the devset's range; a group's rounds within 3 dB of each other), in pink noise, brown noise,
traffic-like rumble or mains hum, 16-48 kHz, 16-bit WAV. Onsets are the first sample of the placed
sound at 10 % of its peak.

Its pool holds the files of each family that the devset does not use (machgf1b, machgf2b,
vulcanf1b, vulcanf2b, boot1, boot2, step1, step2, clank2-4, hgrenb2a...) beside those it does:
`--unseen` keeps only the former, for a set none of whose sounds the devset holds.

Usage:
    python3 scripts/make-openarena-scenes.py OUT SEED N [--unseen]
    DEVSET=OUT scripts/devset-eval.sh /tmp/out

The sounds come from Debian's openarena-data package (downloaded with `apt-get download` into
OUT/cache; needs dpkg-deb). Needs numpy, scipy, soundfile and espeak-ng.
"""
import glob
import importlib.util
import io
import os
import subprocess
import sys
import tempfile
import zipfile

import numpy as np
import soundfile as sf

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("scenes", os.path.join(HERE, "make-freedoom-scenes.py"))
scenes = importlib.util.module_from_spec(spec)
spec.loader.exec_module(scenes)

# Files the devset's labels name (`oa_<file>`); `--unseen` leaves them out.
DEVSET_USES = {"machgf3b", "machgf4b", "vulcanf3b", "vulcanf4b", "boot3", "boot4", "step3",
               "step4", "clank1", "hgrenb1a", "clack"}
GUNS = {"machinegun": ["machgf1b", "machgf2b", "machgf3b", "machgf4b"],
        "gatling": ["vulcanf1b", "vulcanf2b", "vulcanf3b", "vulcanf4b"],
        "shotgun": ["sshotf1b"]}
EXPLOSIONS = ["rocklx1a", "wstbexpl"]
STEPS = {"footstep": ["boot1", "boot2", "boot3", "boot4", "step1", "step2", "step3", "step4"],
         "footstep_metal": ["clank1", "clank2", "clank3", "clank4", "mech1", "mech2", "mech3",
                            "mech4"]}
OTHERS = {"object_drop": ["hgrenb1a", "hgrenb2a"], "click": ["clack", "noammo"],
          "door": ["dr1_strt", "dr1_end"], "platform_stop": ["pt1_end"], "button": ["butn2"],
          "landing": ["land1"]}
VOICES = ["death1", "death2", "death3", "pain100_1", "pain50_1", "taunt", "gasp", "jump1"]
PHRASES = [("en", "Get up!"), ("en", "Why are you afraid?"), ("en", "Come on then!"),
           ("en", "Hands up! Hands up!"), ("en", "Stop right there!"), ("en", "Don't shoot!"),
           ("en", "Where is he? Over there, behind the car!"), ("en", "Down, get down!"),
           ("ru", "Встать!"), ("ru", "Стой!"), ("ru", "Руки вверх!"), ("ru", "Ложись!"),
           ("ru", "Почему ты боишься?"), ("ru", "Быстрее, быстрее!")]
SHARE = {"gunshot": 0.4, "explosion": 0.1, "step": 0.25, "other": 0.25}


def library(out):
    """Every sound/*.wav of openarena-data's pak0.pk3, by file stem: (mono float, rate)."""
    cache = os.path.join(out, "cache")
    os.makedirs(cache, exist_ok=True)
    debs = glob.glob(os.path.join(cache, "openarena-data_*.deb"))
    if not debs:
        subprocess.run(["apt-get", "download", "openarena-data"], cwd=cache, check=True)
        debs = glob.glob(os.path.join(cache, "openarena-data_*.deb"))
    pk3 = os.path.join(cache, "pak0.pk3")
    if not os.path.exists(pk3):
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["dpkg-deb", "-x", debs[0], tmp], check=True)
            os.replace(glob.glob(os.path.join(tmp, "**", "pak0.pk3"), recursive=True)[0], pk3)
    lib = {}
    with zipfile.ZipFile(pk3) as z:
        for name in z.namelist():
            if name.startswith("sound/") and name.endswith(".wav"):
                x, rate = sf.read(io.BytesIO(z.read(name)), dtype="float64")
                if x.ndim > 1:
                    x = x.mean(axis=1)
                lib.setdefault(os.path.basename(name)[:-4], (x, rate))
    return lib


def first_step(x, rate):
    """A footstep sample cut before its second hit. OpenArena's boot and step samples hold a heel
    and a toe 35-75 ms apart; the devset cuts them there (its labels give `end_s - onset_s` of
    0.059 s for step3 and step4, 0.074 s for boot3 and boot4), so one labelled event is one hit.
    The cut is at the first 5 ms frame after 20 ms whose level is 12 dB over the lowest since
    the first hit, with a 2 ms fade."""
    h = int(0.005 * rate)
    level = [10 * np.log10(np.mean(x[i: i + h] ** 2) + 1e-12) for i in range(0, len(x) - h, h)]
    low = np.inf
    for k, v in enumerate(level):
        if k * h >= 0.02 * rate and v >= low + 12:
            fade = int(0.002 * rate)
            y = x[: k * h].copy()
            y[-fade:] *= np.linspace(1, 0, fade)
            return y
        if k * h >= 0.005 * rate:
            low = min(low, v)
    return x


def espeak(lang, text, rng):
    """The phrase spoken by espeak-ng in one of a few voices, and that voice's name."""
    voice = str(rng.choice({"en": ["en+m3", "en+m7", "en-us+m2", "en+f3"], "ru": ["ru+m7", "ru+m3", "ru+f2"]}[lang]))
    with tempfile.NamedTemporaryFile(suffix=".wav") as f:
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(int(rng.integers(140, 200))),
                        "-w", f.name, text], check=True)
        x, rate = sf.read(f.name, dtype="float64")
    return x, rate, "espeak-ng:" + voice


def groups(rng, lib, unseen):
    """One scene's groups of sounds: (class, kind, [file stems], interval s)."""
    def pick(names):
        names = [n for n in names if not (unseen and n in DEVSET_USES) and n in lib]
        return str(rng.choice(names))
    kind = str(rng.choice(list(SHARE), p=list(SHARE.values())))
    if kind == "gunshot":
        gun = str(rng.choice(list(GUNS)))
        name = pick(GUNS[gun])
        r = rng.uniform()
        if r < 0.5 or (gun == "shotgun" and r >= 0.7):
            n, gap = 1, 0.0
        elif r < 0.7:
            n, gap = 2, rng.uniform(0.12, 0.35)
        else:
            n, gap = int(rng.integers(3, 9)), rng.uniform(0.08, 0.3)
        return "gunshot", gun, [name] * n, gap
    if kind == "explosion":
        return "explosion", "explosion", [pick(EXPLOSIONS)], 0.0
    if kind == "step":
        fam = str(rng.choice(list(STEPS)))
        feet = [pick(STEPS[fam]), pick(STEPS[fam])]
        return "impulsive_other", fam, [feet[i % 2] for i in range(int(rng.integers(2, 7)))], rng.uniform(0.45, 0.65)
    fam = str(rng.choice(list(OTHERS)))
    return "impulsive_other", fam, [pick(OTHERS[fam])], 0.0


def main():
    out, seed, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    unseen = "--unseen" in sys.argv[4:]
    lib = library(out)
    rng = scenes.begin(out, seed)
    for c in range(count):
        sr = int(rng.choice([16000, 22050, 44100, 48000]))
        dur = rng.uniform(15, 30)
        n = int(dur * sr)
        background, bed_kind = scenes.bed(rng, n, sr)
        x = background.copy()
        events = []
        t = rng.uniform(0.8, 2.5)
        group = 0
        indoor = rng.uniform() < 0.5
        while t < dur - 3.0:
            cls, kind, names, gap = groups(rng, lib, unseen)
            ebr = rng.uniform(-6, 17)
            path = scenes.propagation(rng, sr, lowpass=rng.uniform() < 0.55,
                                      room=indoor and rng.uniform() < 0.6, rt60=(0.2, 0.8))
            at = t
            for i, name in enumerate(names):
                if at > dur - 2.0:
                    break
                raw, rate = lib[name]
                if kind == "footstep":
                    raw = first_step(raw, rate)
                e = scenes.place(rng, x, background, raw, rate, at, (ebr, ebr + 3), sr, path)
                events.append({"onset_s": round(float(at), 6), "class": cls, "source": "oa_" + name,
                               "source_kind": kind, "ebr_db": round(float(e), 2),
                               "group": group, "group_size": len(names), "indoor": bool(indoor),
                               "propagation": {k: round(v, 3) for k, v in path.params.items()}})
                at += max(0.08, gap * rng.uniform(0.95, 1.05))
            group += 1
            t = at + rng.uniform(0.8, 3.0)
        speech = []
        for _ in range(int(rng.integers(0, 4))):
            if rng.uniform() < 0.7:
                lang, text = PHRASES[int(rng.integers(len(PHRASES)))]
                raw, rate, voice = espeak(lang, text, rng)
                source = "espeak-ng"
            else:
                lang, text = "", str(rng.choice(VOICES))
                raw, rate = lib[text]
                source = voice = "oa_sarge"
            s = scenes.resample_poly(raw, sr, rate)
            at = rng.uniform(0.3, max(0.4, dur - len(s) / sr - 0.3))
            i = int(at * sr)
            m = min(len(s), n - i)
            sbr = rng.uniform(-3, 15)
            gain = np.sqrt(np.mean(background[i: i + m] ** 2) * 10 ** (sbr / 10) / np.mean(s[:m] ** 2))
            x[i: i + m] += gain * s[:m]
            loud = np.nonzero(np.abs(s[:m]) >= 10 ** (-35 / 20) * np.max(np.abs(s[:m])))[0]
            speech.append({"start_s": round(float(at + loud[0] / sr), 3), "end_s": round(float(at + loud[-1] / sr), 3),
                           "text": text, "lang": lang, "voice": voice, "source": source,
                           "sbr_db": round(float(sbr), 2)})
        stem = f"oa{seed}_{c:03d}"
        scenes.write(out, stem, x, sr, {"clip": stem, "duration_s": dur, "codec": "wav_pcm16", "effects": [],
                                        "background": [{"layer": bed_kind}], "events": events,
                                        "speech": speech})


if __name__ == "__main__":
    main()
