#!/usr/bin/env python3
"""Markdown tables (per codec, per effect, per EBR band) from score.py's --json-out file.

Usage: python3 scripts/score-tables.py scores.json
"""
import json
import sys


def f(x):
    return "n/a" if x is None else f"{x:.3f}"


def main():
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
