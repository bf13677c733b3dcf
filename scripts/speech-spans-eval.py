#!/usr/bin/env python3
"""How well `speech_heard` (events.json, no captions) matches the devset's labelled speech.

Usage: scripts/devset-eval.sh OUT && scripts/speech-spans-eval.py OUT [LABELS]
Prints: the share of labelled speech time the spans cover (recall) and of span time that is
labelled speech (precision), on 10 ms frames; how many labelled utterances some span overlaps;
the signed and absolute errors of the first overlapping span's start and the last one's end.
Clips whose events.json has no `speech_heard` (the detector did not run) are skipped and named.
Standard library only.
"""
import glob
import json
import os
import statistics
import sys


def main():
    out = sys.argv[1]
    labels = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(__file__), "..", "..", "shared", "devset", "labels")
    tp = fp = fn = 0
    starts, ends, missed, total, skipped = [], [], [], 0, []
    for lf in sorted(glob.glob(os.path.join(labels, "*.json"))):
        lab = json.load(open(lf))
        if "events" not in lab:
            continue
        clip = lab["clip"]
        path = os.path.join(out, clip, "events.json")
        if not os.path.exists(path):
            continue
        a = json.load(open(path))
        if "speech_heard" not in a:
            skipped.append(clip)
            continue
        spans = a["speech_heard"]
        n = int(a["audio"]["duration_s"] * 100) + 1
        said, heard = [False] * n, [False] * n
        for s in lab.get("speech", []):
            for k in range(int(s["start_s"] * 100), min(n, int(s["end_s"] * 100))):
                said[k] = True
        for s in spans:
            for k in range(int(s["start_s"] * 100), min(n, int(s["end_s"] * 100))):
                heard[k] = True
        tp += sum(x and y for x, y in zip(said, heard))
        fp += sum(y and not x for x, y in zip(said, heard))
        fn += sum(x and not y for x, y in zip(said, heard))
        for s in lab.get("speech", []):
            total += 1
            over = [h for h in spans if h["end_s"] > s["start_s"] and h["start_s"] < s["end_s"]]
            if not over:
                missed.append(f"{clip}@{s['start_s']:.2f} ({s.get('voice', '?')})")
                continue
            starts.append(over[0]["start_s"] - s["start_s"])
            ends.append(over[-1]["end_s"] - s["end_s"])
    print(f"speech time: recall {tp / max(1, tp + fn):.3f}, precision {tp / max(1, tp + fp):.3f}")
    print(f"utterances overlapped: {len(starts)} of {total}")
    for name, e in (("start", starts), ("end", ends)):
        if e:
            print(f"{name} error: median {statistics.median(e):+.3f} s, "
                  f"|error| median {statistics.median(abs(x) for x in e):.3f} s")
    print("missed:", ", ".join(missed) or "none")
    print("skipped (detector not run):", ", ".join(skipped) or "none")


if __name__ == "__main__":
    main()
