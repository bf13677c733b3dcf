#!/usr/bin/env python3
"""A labelled set passed on as voice notes: every clip re-encoded to mono Opus in Ogg the way a
messenger records or forwards a voice message, its labels kept (ffmpeg and earwitness both
remove Opus's pre-skip, so the timeline does not move).

Presets (libopus, `-application voip`: the SILK speech coder below about 24 kbit/s):
  whatsapp  16 kbit/s, 16 kHz input (WhatsApp's voice notes: narrowband to 8 kHz)
  telegram  32 kbit/s, 48 kHz input

Usage:
    python3 scripts/voice-note-set.py SRC_SET OUT whatsapp|telegram
    DEVSET=OUT scripts/devset-eval.sh /tmp/out

SRC_SET is in the devset's layout (audio/, labels/<clip>.json with "clip" and "events"); other
files in labels/ (the SRT captions) are copied as they are. Needs ffmpeg with libopus; standard
library only.
"""
import glob
import json
import os
import shutil
import subprocess
import sys

PRESETS = {
    "whatsapp": ["-ar", "16000", "-b:a", "16k"],
    "telegram": ["-b:a", "32k"],
}


def main():
    if len(sys.argv) != 4 or sys.argv[3] not in PRESETS:
        sys.exit(__doc__)
    src, out, preset = sys.argv[1:]
    os.makedirs(os.path.join(out, "audio"), exist_ok=True)
    os.makedirs(os.path.join(out, "labels"), exist_ok=True)
    for path in sorted(glob.glob(os.path.join(src, "labels", "*"))):
        name = os.path.basename(path)
        label = None
        if name.endswith(".json"):
            with open(path) as f:
                label = json.load(f)
        if not isinstance(label, dict) or "clip" not in label or "events" not in label:
            shutil.copy(path, os.path.join(out, "labels", name))
            continue
        found = glob.glob(os.path.join(src, "audio", label["clip"] + ".*"))
        if not found:
            sys.exit(f"{path}: no audio/{label['clip']}.* beside it in {src}")
        audio = found[0]
        dest = os.path.join("audio", label["clip"] + ".opus")
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-i", audio, "-vn", "-ac", "1", "-c:a", "libopus",
             "-application", "voip", *PRESETS[preset], os.path.join(out, dest)],
            check=True,
        )
        label.update({"file": dest, "codec": f"opus_voice_note_{preset}", "channels": 1,
                      "voice_note_from": label.get("codec")})
        with open(os.path.join(out, "labels", name), "w") as f:
            json.dump(label, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
