#!/usr/bin/env python3
"""Writes captions for a labelled scene set: LABELS/<clip>.srt from the `speech` spans of each
LABELS/<clip>.json (start_s, end_s, and text_en or text), for clips that have speech, so that
`TRANSCRIPTS=1 DEVSET=SET scripts/devset-eval.sh OUT` can run the word-onset rules with captions
on scene sets that come without SRTs (scripts/make-openarena-scenes.py's). The times are the
labels' own, on the audio's clock.

Usage: python3 scripts/labels-to-srt.py LABELS_DIR [LABELS_DIR ...]
"""
import glob
import json
import os
import sys


def timestamp(t):
    ms = int(round(t * 1000))
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def main():
    for labels in sys.argv[1:]:
        written = 0
        for path in sorted(glob.glob(os.path.join(labels, "*.json"))):
            with open(path) as f:
                speech = json.load(f).get("speech") or []
            if not speech:
                continue
            cues = sorted(speech, key=lambda s: s["start_s"])
            tmp = path[:-5] + ".srt.partial"
            with open(tmp, "w") as out:
                for i, s in enumerate(cues, 1):
                    text = s.get("text_en") or s.get("text") or ""
                    out.write(f"{i}\n{timestamp(s['start_s'])} --> {timestamp(s['end_s'])}\n{text}\n\n")
            os.replace(tmp, path[:-5] + ".srt")
            written += 1
        print(f"{labels}: {written} SRT files")


if __name__ == "__main__":
    main()
