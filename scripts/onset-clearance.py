#!/usr/bin/env python3
"""Onset error by onset clearance: how late or early earwitness timed the labelled sounds it
found, apart for the onsets timed clear of the background (features.onset_clearance_db at or
above 20 log10(params.detect.refine.noise_factor)) and the others.

Usage: python3 scripts/onset-clearance.py LABELS_DIR PRED_DIR [LABELS_DIR PRED_DIR ...]
LABELS_DIR holds the devset's label files (<clip>.json); PRED_DIR holds <clip>/events.json as
`earwitness analyze` or scripts/devset-eval.sh writes them. Matching is score.py's: one to one,
greedy by |dt|, within 50 ms. Standard library only.
"""
import glob
import json
import math
import os
import sys

COLLAR_S = 0.05


def percentile(xs, q):
    """The q-th percentile, linear between order statistics (numpy's default)."""
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def matched(labels_dir, pred_dir):
    """(clearance_db, clear_db, signed error in ms) of every matched pair."""
    for path in sorted(glob.glob(os.path.join(labels_dir, "*.json"))):
        clip = os.path.basename(path)[: -len(".json")]
        if clip.endswith(".shifted"):
            continue
        labels = json.load(open(path)).get("events", [])
        report = os.path.join(pred_dir, clip, "events.json")
        if not os.path.exists(report):
            continue
        a = json.load(open(report))
        clear = 20 * math.log10(a["params"]["detect"]["refine"]["noise_factor"])
        events = a["events"]
        pairs = sorted(
            (abs(e["onset_s"] - l["onset_s"]), i, j)
            for i, e in enumerate(events)
            for j, l in enumerate(labels)
            if abs(e["onset_s"] - l["onset_s"]) <= COLLAR_S + 1e-9
        )
        used_e, used_l = set(), set()
        for _, i, j in pairs:
            if i in used_e or j in used_l:
                continue
            used_e.add(i)
            used_l.add(j)
            c = events[i]["features"].get("onset_clearance_db")
            yield c, clear, (events[i]["onset_s"] - labels[j]["onset_s"]) * 1e3


def line(name, errors):
    if not errors:
        return f"| {name} | 0 | | | |"
    late = sum(e > 5 for e in errors) / len(errors)
    early = sum(e < -5 for e in errors) / len(errors)
    p95 = percentile([abs(e) for e in errors], 95)
    return f"| {name} | {len(errors)} | {100 * late:.1f} % | {100 * early:.1f} % | {p95:.1f} |"


def main(args):
    if len(args) < 2 or len(args) % 2:
        sys.exit(__doc__)
    rows = []
    for labels_dir, pred_dir in zip(args[::2], args[1::2]):
        rows.extend(matched(labels_dir, pred_dir))
    print("| onsets | n | > 5 ms late | > 5 ms early | p95 abs (ms) |")
    print("|---|---|---|---|---|")
    print(line("all matched", [e for _, _, e in rows]))
    print(line("clear of the background", [e for c, k, e in rows if c is not None and c >= k]))
    print(line("not clear", [e for c, k, e in rows if c is not None and c < k]))
    print(line("not measured", [e for c, _, e in rows if c is None]))


if __name__ == "__main__":
    main(sys.argv[1:])
