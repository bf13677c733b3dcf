#!/usr/bin/env python3
"""Compares `earwitness probe --json` with `ffprobe -show_format -show_streams` file by file.

Prints one line per file and field where they differ beyond a tolerance, then a summary.
Usage: scripts/compare-probe.py [--bin target/release/earwitness] FILE...
Needs: python3, ffprobe (Debian's ffmpeg package).
"""

import argparse
import hashlib
import json
import subprocess
import sys

DURATION_TOL_S = 0.05   # codec frame granularity: ffprobe counts priming/padding differently
BITRATE_TOL = 0.05      # relative


def ffprobe(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", path],
        capture_output=True, check=True, text=True).stdout
    return json.loads(out)


def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def rate(r):
    if not r or r == "0/0":
        return None
    a, b = r.split("/")
    return float(a) / float(b) if float(b) else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/earwitness")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    diffs = checked = 0

    def report(f, field, ours, theirs):
        nonlocal diffs
        diffs += 1
        print(f"{f}: {field}: earwitness={ours!r} ffprobe={theirs!r}")

    for f in args.files:
        run = subprocess.run([args.bin, "probe", "--json", f], capture_output=True, text=True)
        ours = json.loads(run.stdout)[0]
        ff = ffprobe(f)
        checked += 1
        sha = hashlib.sha256(open(f, "rb").read()).hexdigest()
        if ours["sha256"] != sha:
            report(f, "sha256", ours["sha256"], sha)
        if ours["size_bytes"] != int(ff["format"]["size"]):
            report(f, "size", ours["size_bytes"], ff["format"]["size"])
        fd = num(ff["format"].get("duration"))
        if fd is not None and (ours["container"]["duration_s"] is None
                               or abs(ours["container"]["duration_s"] - fd) > DURATION_TOL_S):
            report(f, "format.duration", ours["container"]["duration_s"], fd)
        ftags = {k.lower(): v for k, v in ff["format"].get("tags", {}).items()}
        otags = {k.lower(): v for k, v in ours["container"]["tags"].items()}
        for k, v in ftags.items():
            if otags.get(k) != v:
                report(f, f"format.tags.{k}", otags.get(k), v)
        if len(ours["streams"]) != len(ff["streams"]):
            report(f, "stream count", len(ours["streams"]), len(ff["streams"]))
        for o, s in zip(ours["streams"], ff["streams"]):
            i = s["index"]
            if o["kind"] != s["codec_type"]:
                report(f, f"stream {i} kind", o["kind"], s["codec_type"])
            if o["codec"] != s["codec_name"]:
                report(f, f"stream {i} codec", o["codec"], s["codec_name"])
            if s["codec_type"] == "audio":
                if o["sample_rate"] != int(s["sample_rate"]):
                    report(f, f"stream {i} sample_rate", o["sample_rate"], s["sample_rate"])
                if o["channels"] != s["channels"]:
                    report(f, f"stream {i} channels", o["channels"], s["channels"])
            if s["codec_type"] == "video":
                if (o["width"], o["height"]) != (s["width"], s["height"]):
                    report(f, f"stream {i} size", (o["width"], o["height"]), (s["width"], s["height"]))
                fr = rate(s.get("avg_frame_rate"))
                if fr and (o["frame_rate"] is None or abs(o["frame_rate"] - fr) > 0.01 * fr):
                    report(f, f"stream {i} frame_rate", o["frame_rate"], fr)
            sd = num(s.get("duration"))
            if sd is not None and (o["duration_s"] is None or abs(o["duration_s"] - sd) > DURATION_TOL_S):
                report(f, f"stream {i} duration", o["duration_s"], sd)
            br = num(s.get("bit_rate"))
            if br and (o["bit_rate"] is None or abs(o["bit_rate"] - br) > BITRATE_TOL * br):
                report(f, f"stream {i} bit_rate", o["bit_rate"], br)
            stags = {k.lower(): v for k, v in s.get("tags", {}).items()}
            for k in ("handler_name", "language", "creation_time"):
                if k in stags and o["tags"].get(k) != stags[k]:
                    report(f, f"stream {i} tags.{k}", o["tags"].get(k), stags[k])
    print(f"{checked} files compared, {diffs} differences", file=sys.stderr)


if __name__ == "__main__":
    main()
