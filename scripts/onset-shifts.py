#!/usr/bin/env python3
"""Where two runs time the same labelled sounds differently: the onset counts of
docs/detection-notes.md (twenty-sixth session) in one command.

Each run is a folder of `earwitness analyze` reports (RUN/<clip>/events.json, as
scripts/devset-eval.sh and scripts/check-sets.sh write them). Predictions are matched to labels
as the devset's score.py matches them (one to one, greedy by |dt|, within the collar, whatever
the class). Printed: how many matched onsets go from beyond TOL ms to within it ("fixed") and
the other way ("broken"), labels matched by one run only, and per source the share of matched
onsets beyond TOL in run B, worst first.

Usage:
    python3 scripts/onset-shifts.py LABELS RUN_A RUN_B [--tol-ms 5] [--collar-ms 50] [--list]

LABELS holds <clip>.json in the devset's label format. Standard library only.
"""
import argparse
import collections
import glob
import json
import os
import statistics


def matched(run, stem, labels, collar):
    """{label index: signed error in ms} for one clip; None when the run has no report."""
    path = os.path.join(run, stem, "events.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        events = json.load(f)["events"]
    pairs = sorted(
        (abs(p["onset_s"] - l["onset_s"]), i, j)
        for i, p in enumerate(events)
        for j, l in enumerate(labels)
        if abs(p["onset_s"] - l["onset_s"]) <= collar
    )
    used_p, out = set(), {}
    for _, i, j in pairs:
        if i in used_p or j in out:
            continue
        used_p.add(i)
        out[j] = (events[i]["onset_s"] - labels[j]["onset_s"]) * 1000.0
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("labels")
    ap.add_argument("run_a")
    ap.add_argument("run_b")
    ap.add_argument("--tol-ms", type=float, default=5.0)
    ap.add_argument("--collar-ms", type=float, default=50.0)
    ap.add_argument("--list", action="store_true", help="print each onset that crosses TOL")
    args = ap.parse_args()
    collar = args.collar_ms / 1000.0
    fixed = broken = only_a = only_b = 0
    per_source = collections.defaultdict(list)
    for path in sorted(glob.glob(os.path.join(args.labels, "*.json"))):
        stem = os.path.basename(path)[: -len(".json")]
        with open(path) as f:
            label = json.load(f)
        if not isinstance(label, dict) or "events" not in label:
            continue
        labels = label["events"]
        a = matched(args.run_a, stem, labels, collar)
        b = matched(args.run_b, stem, labels, collar)
        if a is None or b is None:
            continue
        for j, l in enumerate(labels):
            source = str(l.get("source", "?")).split("#")[0]
            if j in b:
                per_source[source].append(b[j])
            if j in a and j not in b:
                only_a += 1
            elif j in b and j not in a:
                only_b += 1
            elif j in a and j in b:
                was, now = abs(a[j]) > args.tol_ms, abs(b[j]) > args.tol_ms
                if was != now:
                    fixed += was
                    broken += now
                    if args.list:
                        print(f"{stem} {l['onset_s']:.3f} {source} ebr {l.get('ebr_db', 0):.1f}"
                              f" dB: {a[j]:+.1f} -> {b[j]:+.1f} ms")
    print(f"fixed {fixed} broken {broken} (beyond {args.tol_ms:g} ms <-> within);"
          f" matched by A only {only_a}, by B only {only_b}")
    worst = sorted(per_source.items(),
                   key=lambda kv: -sum(abs(e) > args.tol_ms for e in kv[1]))
    for source, errs in worst[:12]:
        late = [e for e in errs if abs(e) > args.tol_ms]
        if not late:
            break
        print(f"  {source}: {len(late)} of {len(errs)} beyond {args.tol_ms:g} ms in B,"
              f" median {statistics.median(late):+.1f} ms")


if __name__ == "__main__":
    main()
