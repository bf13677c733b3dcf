#!/usr/bin/env python3
"""Short excerpts of a labelled set, scored as clips of their own: what an investigator gets
who trims a clip to the moment of the shot.

Each labelled event of each clip is cut out with BEFORE seconds before its onset and AFTER
seconds after it (less where the clip begins or ends first). Every labelled event inside an
excerpt, and every speech span, is moved onto the excerpt's clock; the excerpt is analysed with
`earwitness analyze` (events.json only) and the excerpts are scored together by `earwitness
evaluate`, the same metric as the devset's score.py. Excerpts overlap where events are close,
so one sound can be counted in several.

Usage:
    python3 scripts/excerpt-eval.py BEFORE AFTER OUT [analyze options...]
    e.g. python3 scripts/excerpt-eval.py 1 2 /tmp/ex3
DEVSET (default ../shared/devset) holds audio/ and labels/. Needs ffmpeg. Each clip is first
decoded whole to float WAV (ffmpeg removes the encoder's delay, as the labels' timeline does),
and the excerpts are cut from that by sample, so the cut is exact whatever the codec.
"""
import glob
import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    before, after, out = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
    options = sys.argv[4:]
    devset = os.environ.get("DEVSET", os.path.join(ROOT, "..", "shared", "devset"))
    subprocess.run(["cargo", "build", "--release", "-q"], cwd=ROOT, check=True)
    tool = os.path.join(ROOT, "target", "release", "earwitness")
    shutil.rmtree(out, ignore_errors=True)
    for sub in ("whole", "audio", "labels", "pred"):
        os.makedirs(os.path.join(out, sub))
    n = 0
    for label_file in sorted(glob.glob(os.path.join(devset, "labels", "*.json"))):
        labels = json.load(open(label_file))
        if "events" not in labels:
            continue
        clip = labels["clip"]
        source = glob.glob(os.path.join(devset, "audio", clip + ".*"))[0]
        whole = os.path.join(out, "whole", clip + ".wav")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", source, "-vn", "-c:a", "pcm_f32le", whole], check=True)
        rate = int(subprocess.run(
            ["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries", "stream=sample_rate", "-of", "csv=p=0", whole],
            check=True, capture_output=True, text=True).stdout.strip())
        duration = labels["duration_s"]
        for i, event in enumerate(labels["events"]):
            start = max(0.0, event["onset_s"] - before)
            end = min(duration, event["onset_s"] + after)
            first, count = round(start * rate), round((end - start) * rate)
            start = first / rate
            name = f"{clip}_{i:03d}"
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", whole, "-af",
                            f"atrim=start_sample={first}:end_sample={first + count}", "-c:a", "pcm_f32le",
                            os.path.join(out, "audio", name + ".wav")], check=True)
            length = count / rate
            part = dict(labels, clip=name, file=f"audio/{name}.wav", duration_s=length, excerpt_of=clip,
                        excerpt_start_s=start)
            part["events"] = [dict(e, onset_s=e["onset_s"] - start) for e in labels["events"]
                              if 0.0 <= e["onset_s"] - start < length]
            part["speech"] = [dict(s, start_s=max(0.0, s["start_s"] - start), end_s=min(length, s["end_s"] - start))
                              for s in labels.get("speech", []) if s["end_s"] > start and s["start_s"] < start + length]
            for key in ("srt", "shifted_srt", "transcript_shift_s"):
                part.pop(key, None)
            with open(os.path.join(out, "labels", name + ".json"), "w") as f:
                json.dump(part, f)
            result = subprocess.run([tool, "analyze", os.path.join(out, "audio", name + ".wav"),
                                     "-o", os.path.join(out, "pred", name), "--formats", "json", *options],
                                    capture_output=True, text=True)
            if result.returncode != 0:
                print(f"failed: {name}: {result.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
            n += 1
    shutil.rmtree(os.path.join(out, "whole"))
    print(f"{n} excerpts of {before:g} s before and {after:g} s after each labelled onset")
    subprocess.run([tool, "evaluate", "--labels", os.path.join(out, "labels"), "--pred", os.path.join(out, "pred")], check=True)


if __name__ == "__main__":
    main()
