#!/usr/bin/env python3
"""Markdown tables (per codec, per effect, per EBR band) from score.py's --json-out file.

Usage: python3 scripts/score-tables.py scores.json
       python3 scripts/score-tables.py NAME=scores.json NAME=scores.json ...
The second form puts several detectors side by side (F1 and recall of impulsive events, and
onset error), e.g. earwitness beside the baselines of scripts/compare-baselines.py.
"""
import json
import sys


def f(x):
    return "n/a" if x is None else f"{x:.3f}"


def order(group):
    """EBR bands by their lower edge ("[-6,0)" before "[12,20]"), other groups by name."""
    try:
        return (0, float(group.strip("[(").split(",")[0]), group)
    except ValueError:
        return (1, 0.0, group)


def side_by_side(named):
    runs = []
    for arg in named:
        name, path = arg.split("=", 1)
        d = json.load(open(path))
        runs.append((name, d.get("dev", next(iter(d.values())))))
    head = " | ".join(name for name, _ in runs)
    rule = "|".join("---" for _ in runs)
    for key, title, metric in (("by_codec", "codec", "F1(a)"), ("by_effect", "effect", "F1(a)"),
                               ("by_ebr_band", "EBR band", "R(a)")):
        print(f"{metric} per {title}:\n")
        print(f"| {title} | {head} |")
        print(f"|---|{rule}|")
        for group in sorted(runs[0][1].get(key, {}), key=order):
            cells = []
            for _, d in runs:
                r = d.get(key, {}).get(group, {})
                cells.append(f(r["detection"]["f1"]) if "detection" in r else f(r.get("detection_recall")))
            print(f"| {group} | " + " | ".join(cells) + " |")
        print()
    print("| overall | P(a) | R(a) | F1(a) | onset error median / p95 (ms) |")
    print("|---|---|---|---|---|")
    for name, d in runs:
        a = d["overall"]["detection"]
        t = d["overall"].get("detection_timing") or {}
        print(f"| {name} | {f(a['precision'])} | {f(a['recall'])} | {f(a['f1'])} | "
              f"{t.get('median_ms', 0):.1f} / {t.get('p95_ms', 0):.1f} |")


def main():
    if "=" in sys.argv[1]:
        side_by_side(sys.argv[1:])
        return
    d = json.load(open(sys.argv[1]))
    d = d.get("dev", next(iter(d.values())))
    for key, title in (("by_codec", "codec"), ("by_effect", "effect")):
        print(f"| {title} | clips | P(a) | R(a) | F1(a) | P(b) | R(b) | F1(b) |")
        print("|---|---|---|---|---|---|---|---|")
        for name, r in sorted(d.get(key, {}).items()):
            a, b = r["detection"], r["gunshot"]
            print(f"| {name} | {r['clips']} | {f(a['precision'])} | {f(a['recall'])} | {f(a['f1'])} "
                  f"| {f(b['precision'])} | {f(b['recall'])} | {f(b['f1'])} |")
        print()
    bands = d.get("by_ebr") or d.get("by_ebr_band") or {}
    if bands:
        print("| EBR band | events | R(a) | gunshots | R(b) |")
        print("|---|---|---|---|---|")
        for name, r in bands.items():
            print(f"| {name} | " + " | ".join(str(r.get(k)) if not isinstance(r.get(k), float) else f(r.get(k))
                                          for k in ("events", "detection_recall", "gunshots", "gunshot_recall")) + " |")


if __name__ == "__main__":
    main()
